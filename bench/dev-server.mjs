// The shop under wrangler's own dev server (the `unstable_startWorker` API that `wrangler dev`
// is built on: same workerd, same bindings, same configuration), with two things the command
// line cannot turn off, for the commerce benchmark's breakdown of where a request's time goes:
//
//   --inspector off  no debugger attached. The CLI always attaches one: every message of it (a
//                    network event per 4 kB of every subrequest, each log line) crosses to
//                    wrangler's Node process, which appends it to a debug log file.
//   --persist DIR    where local state lives; on a RAM disk (/dev/shm) each new Durable Object's
//                    SQLite file is made without touching the disk.
//
// usage: node dev-server.mjs --port P --persist DIR [--inspector on|off] [--config wrangler.toml]
// Prints "ready URL" when the worker answers; stops on SIGTERM.
import { unstable_startWorker } from 'wrangler';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
if (!args.port || !args.persist) throw new Error('usage: dev-server.mjs --port P --persist DIR [--inspector on|off]');
const worker = await unstable_startWorker({
  config: args.config || 'wrangler.toml',
  // As `cargo xtask dev` and the benchmarks' `wrangler dev --var EDGESHOP_DEV:1`.
  bindings: { EDGESHOP_DEV: { type: 'plain_text', value: '1' } },
  dev: {
    inspector: args.inspector === 'on' ? { hostname: '127.0.0.1' } : false,
    server: { hostname: '127.0.0.1', port: Number(args.port) },
    persist: args.persist,
    watch: false,
    logLevel: 'warn',
  },
});
await worker.ready;
console.log('ready', String(await worker.url));
const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
