// The first search of a fresh isolate, by CPU time: the proxy `cargo xtask bench first-search` runs.
//
// Workers bill and limit a request by its CPU time (10 ms on the Free plan), not by its wait for
// fetched bytes. workerd under `wrangler dev` cannot tell the two apart for us: its CPU includes
// serving the index parts from local static assets, which on Cloudflare is I/O. So this runs the
// worker's search path (bench/search-wasm: the indexer calls of the worker's `build_data`, built
// with the same release profile and wasm-opt) in Node, V8 as in workerd, one fresh process per
// isolate, and counts each step's CPU:
// - copy: the fetched eager prefix and tail chunks copied into wasm memory (what the worker's
//   `Response::bytes` does), the blob set up;
// - open: the index opened (with any chunk it asks for);
// - plan + chunks: the postings chunks the query reads, listed and copied in;
// - search: the query run, top 10 (as `/api/search`), and once more, 24 with facets (as `/search`).
// Not counted: the worker's router, query-string parsing, the hits' formatting and the JSON or
// HTML of the answer (a fresh isolate compiles that code on first use too): the figures are a
// lower bound of a first request's CPU.
// Reading the files from disk stands for the fetch and is not counted. The wasm module's compile
// and instantiation (the isolate's start, which Workers does not count against a request) is
// reported apart. V8 compiles wasm functions lazily on first call, on the main thread (the default
// in Node and workerd): that compile is counted. Each step is timed by the main thread's own CPU
// clock (CLOCK_THREAD_CPUTIME_ID, read through Node's WASI: a 156-byte module below), which is
// what a Worker's CPU limit counts: the isolate's thread. Its wall time is given too: on this
// 2-core machine it adds the time the OS gave the core to V8's background threads (tier-up
// compiles after the warm-up) or another process, several milliseconds in one isolate of two.
// The process's CPU time (getrusage) is given as well: it adds those background compiles and
// Node's own threads.
//
// With EDGESHOP_WARM_AT_START=1 each isolate first runs the worker's start-up warm-up (counted
// in its start, not in its first search).
// usage: node first-search.mjs PKG_DIR CATALOG_DATA_DIR QUERIES_JSON [ISOLATES] [WARM_REPEAT]
//        node first-search.mjs PKG_DIR CATALOG_DATA_DIR QUERIES_JSON --child first|warm QUERY_INDEX [WARM_REPEAT]
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const [pkg, data, queryFile, ...rest] = process.argv.slice(2);
const queries = JSON.parse(readFileSync(queryFile, 'utf8'));
// The same percentile as the native baseline (`search_bench`): the value at round((n - 1) * p).
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.round((s.length - 1) * p)]; };
const median = (xs) => pct(xs, 0.5);

const processCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

// The calling thread's CPU time: WASI's clock_time_get(CLOCK_THREAD_CPUTIME_ID) in a module of
// one function (assembled with binaryen's wasm-as from:
//   (module (import "wasi_snapshot_preview1" "clock_time_get" (func $t (param i32 i64 i32) (result i32)))
//     (memory (export "memory") 1) (func (export "_initialize"))
//     (func (export "thread_cpu_ns") (result f64)
//       (if (call $t (i32.const 3) (i64.const 1) (i32.const 0)) (then (return (f64.const -1))))
//       (f64.convert_i64_u (i64.load (i32.const 0))))) ).
// Node's WASI is marked experimental: its warning is silenced.
function threadCpuClock() {
  const module = new WebAssembly.Module(Buffer.from('AGFzbQEAAAABDwNgA39+fwF/YAAAYAABfAIpARZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxDmNsb2NrX3RpbWVfZ2V0AAADAwIBAgUDAQABBygDBm1lbW9yeQIAC19pbml0aWFsaXplAAENdGhyZWFkX2NwdV9ucwACCiICAgALHQBBA0IBQQAQAARARAAAAAAAAPC/DwtBACkDALoL', 'base64'));
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  const { WASI } = createRequire(import.meta.url)('node:wasi');
  const wasi = new WASI({ version: 'preview1' });
  process.emitWarning = emit;
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  wasi.initialize(instance);
  return () => {
    const ns = instance.exports.thread_cpu_ns();
    if (ns < 0) throw new Error('no thread CPU clock');
    return ns / 1e6;
  };
}

function child(mode, qi, warmRepeat) {
  const manifest = JSON.parse(readFileSync(join(data, 'catalog.json'), 'utf8'));
  const file = (name) => new Uint8Array(readFileSync(join(data, name)));
  // "Fetched" before the clock starts: the parts, the tail chunks and every chunk a query may ask for.
  const parts = [];
  for (let i = 0; i < manifest.index_parts; i++) parts.push(file(`search-${i}.bin`));
  const prefix = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const chunks = readdirSync(data).filter((f) => /^search-c\d+\.bin$/.test(f)).map((f) => [Number(f.slice(8, -4)), file(f)]);
  const chunk = new Map(chunks);
  const fetched = (j) => { if (!chunk.has(j)) throw new Error(`no search-c${j}.bin`); return chunk.get(j); };

  const startWall = performance.now();
  const { ColdIndex, warm_up } = createRequire(import.meta.url)(resolve(pkg, 'search_wasm.js'));
  // EDGESHOP_WARM_AT_START=1: as the worker's start event, the search code run once over the
  // small index it ships (part of the isolate's start, which Workers does not bill to a request).
  if (process.env.EDGESHOP_WARM_AT_START === '1' && !(warm_up() > 0)) throw new Error('the warm-up found nothing');
  const startup = { wall_ms: performance.now() - startWall };

  const threadCpuMs = threadCpuClock();
  const steps = {};
  let copied = 0;
  let chunksAdded = 0;
  const add = (index, list) => {
    for (const j of list) {
      const bytes = fetched(j);
      index.add_chunk(j, bytes);
      copied += bytes.length;
      chunksAdded++;
    }
  };
  const step = (name, f) => {
    const w = performance.now(); const p = processCpuMs(); const t = threadCpuMs();
    const out = f();
    const thread = threadCpuMs() - t;
    steps[name] = { thread_cpu_ms: thread, wall_ms: performance.now() - w, process_cpu_ms: processCpuMs() - p };
    return out;
  };
  const q = queries[qi % queries.length];
  const totalProcess = processCpuMs(); const totalWall = performance.now(); const totalThread = threadCpuMs();
  const index = step('copy', () => {
    const ix = new ColdIndex(prefix, Number(manifest.index_bytes), Number(manifest.index_chunk_bytes) || 1);
    copied += prefix.length;
    add(ix, manifest.index_tail_chunks);
    return ix;
  });
  step('open', () => {
    for (let round = 0; ; round++) {
      const missing = index.open();
      if (missing.length === 0) return;
      if (round >= 8) throw new Error('the index does not open');
      add(index, missing);
    }
  });
  step('plan_and_chunks', () => add(index, index.plan(q, 10, false)));
  // Searches until no chunk is missing, as the worker's `with_index` does.
  const search = (query, limit, facets) => {
    for (let round = 0; ; round++) {
      const total = index.search(query, limit, facets);
      if (total >= 0) return total;
      if (round >= 8) throw new Error(`${query}: postings still missing`);
      add(index, index.missing());
    }
  };
  const total = step('search', () => search(q, 10, false));
  const first = {
    thread_cpu_ms: threadCpuMs() - totalThread,
    process_cpu_ms: processCpuMs() - totalProcess,
    wall_ms: performance.now() - totalWall,
  };
  // The results page's search (24 a page, facets counted) right after, in the same isolate.
  step('search_with_facets', () => { add(index, index.plan(q, 24, true)); return search(q, 24, true); });
  const out = { query: q, hits: total, startup, first_search: first, steps, bytes_copied: copied, chunks_added: chunksAdded, wasm_memory_bytes: index.memory_bytes() };
  if (mode === 'warm') {
    // Every query once (its chunks loaded, its code compiled and tiered up), then per-query
    // medians of `warmRepeat` runs, as the native baseline (search_bench) measures.
    for (const wq of queries) { add(index, index.plan(wq, 10, false)); search(wq, 10, false); }
    for (let r = 0; r < 3; r++) for (const wq of queries) search(wq, 10, false);
    const perQueryUs = queries.map((wq) => {
      const runs = [];
      for (let r = 0; r < warmRepeat; r++) {
        const t = performance.now();
        if (index.search(wq, 10, false) < 0) throw new Error(`${wq}: a warm search missed postings`);
        runs.push((performance.now() - t) * 1e3);
      }
      return median(runs);
    });
    out.warm = { queries: queries.length, repeat: warmRepeat, p50_us: pct(perQueryUs, 0.5), p99_us: pct(perQueryUs, 0.99) };
  }
  console.log(JSON.stringify(out));
}

function parent(isolates, warmRepeat) {
  const run = (mode, qi) => JSON.parse(execFileSync(process.execPath, [...process.execArgv, process.argv[1], pkg, data, queryFile, '--child', mode, String(qi), String(warmRepeat)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());
  const runs = [];
  for (let i = 0; i < isolates; i++) runs.push(run('first', i * Math.max(1, Math.floor(queries.length / isolates))));
  const warm = run('warm', 0);
  const stat = (f) => ({ p50: median(runs.map(f)), max: Math.max(...runs.map(f)) });
  const stepNames = Object.keys(runs[0].steps);
  console.log(JSON.stringify({
    isolates,
    v8_flags: process.execArgv,
    first_search_main_thread_cpu_ms: stat((r) => r.first_search.thread_cpu_ms),
    first_search_main_thread_wall_ms: stat((r) => r.first_search.wall_ms),
    first_search_process_cpu_ms: stat((r) => r.first_search.process_cpu_ms),
    steps_main_thread_cpu_ms_p50: Object.fromEntries(stepNames.map((s) => [s, median(runs.map((r) => r.steps[s].thread_cpu_ms))])),
    steps_main_thread_wall_ms_p50: Object.fromEntries(stepNames.map((s) => [s, median(runs.map((r) => r.steps[s].wall_ms))])),
    startup_ms: stat((r) => r.startup.wall_ms),
    bytes_copied: stat((r) => r.bytes_copied),
    chunks_added: stat((r) => r.chunks_added),
    wasm_memory_bytes: stat((r) => r.wasm_memory_bytes),
    warm: warm.warm,
    node: process.version,
    runs: runs.map((r) => ({ query: r.query, hits: r.hits, main_thread_cpu_ms: +r.first_search.thread_cpu_ms.toFixed(3), main_thread_wall_ms: +r.first_search.wall_ms.toFixed(3), chunks_added: r.chunks_added })),
  }));
}

if (rest[0] === '--child') child(rest[1], Number(rest[2]), Number(rest[3] || 20));
else parent(Number(rest[0] || 20), Number(rest[1] || 30));
