// Worker-side search latency under wrangler dev (workerd) on loopback.
//
// In-worker time per query: Workers clocks do not advance during CPU work, so the worker cannot
// time itself. /api/_bench/search runs the same query `repeat` times in one request; the
// difference between a repeat=R+1 and a repeat=1 round trip, divided by R, is the in-isolate
// query time with HTTP and JSON costs cancelled out. Medians of several round trips are used.
//
// usage: node search-latency.mjs BASE_URL queries.json R
import { readFileSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';

const [base, queryFile, rArg] = process.argv.slice(2);
const R = Number(rArg || 200);
const queries = JSON.parse(readFileSync(queryFile, 'utf8'));

// Round-trip time of a GET and its body (failed requests stop the benchmark).
// Each request as another shopper's (searches are rate-limited per client address).
let shopper = 0;
async function timedBody(url) {
  shopper++;
  const headers = { 'cf-connecting-ip': `10.250.${(shopper >> 8) & 255}.${shopper & 255}` };
  const t = performance.now();
  const r = await fetch(url, { headers });
  const body = await r.arrayBuffer();
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return [performance.now() - t, body];
}
const timed = async (url) => (await timedBody(url))[0];
const json = (body) => JSON.parse(new TextDecoder().decode(body));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.round((s.length - 1) * p)]; };

// CPU time of the workerd process serving `base` (every thread, nanoseconds, from
// /proc/<pid>/task/*/schedstat): a proxy for a request's CPU time in the Workers sense. It is an
// upper bound: it includes what the platform does around the isolate (HTTP, the router, serving
// static assets), which Cloudflare does not count against the worker's CPU limit.
const port = new URL(base).port;
const workerd = (() => {
  const isWorkerd = (pid) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd'; } catch { return false; } };
  try {
    // The process listening on the bench's port, if that is workerd itself.
    const listening = execSync(`ss -ltnpH 'sport = :${port}'`).toString().match(/pid=(\d+)/);
    if (listening && isWorkerd(listening[1])) return listening[1];
  } catch { /* no ss */ }
  try {
    // Else the newest workerd (wrangler's proxy listens in Node).
    const pids = execSync(`pgrep -n workerd`).toString().trim();
    return pids || null;
  } catch { return null; }
})();
function cpuNs() {
  if (!workerd) return NaN;
  let total = 0;
  for (const tid of readdirSync(`/proc/${workerd}/task`)) {
    try { total += Number(readFileSync(`/proc/${workerd}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread ended */ }
  }
  return total;
}
async function cpuMs(url) {
  const before = cpuNs();
  await timed(url);
  return (cpuNs() - before) / 1e6;
}

// Cold open: the first search request of a fresh isolate opens the index.
const cpuBeforeCold = cpuNs();
const coldMs = await timed(`${base}/api/search?q=${encodeURIComponent(queries[0])}`);
const coldCpuMs = (cpuNs() - cpuBeforeCold) / 1e6;

// Cold open again, 7 times in the same isolate: the same search after the worker dropped its index
// (reload=1: fetch the parts from static assets, copy them into wasm, open), minus a warm search
// just before it. Baseline: the same fetch without copying or opening anything (transfer=1), the
// platform's share, minus its own warm search. The worker reports how much of the reload was
// waiting for the fetch (its clock only moves across I/O).
const reloadMs = [], transferMs = [], fetchMs = [];
for (let i = 0; i < 7; i++) {
  const search = `${base}/api/_bench/search?q=${encodeURIComponent(queries[i % queries.length])}&repeat=1`;
  // Two settling requests: the one after a reload pays for collecting the dropped buffers.
  await timed(search);
  await timed(search);
  let warm = await timed(search);
  const [cold, body] = await timedBody(`${search}&reload=1`);
  fetchMs.push(json(body).index_fetch_ms);
  reloadMs.push(cold - warm);
  await timed(search);
  await timed(search);
  warm = await timed(search);
  transferMs.push((await timed(`${search}&transfer=1`)) - warm);
}
// CPU per request (workerd process): a search after the index was dropped (reload=1: fetch, copy
// into wasm, open, search), the index parts fetched only (transfer=1), a warm search, a static
// asset. Eleven of each, interleaved; medians.
const cpu = { reload: [], transfer: [], warm: [], static: [] };
for (let i = 0; i < 11; i++) {
  const search = `${base}/api/_bench/search?q=${encodeURIComponent(queries[i % queries.length])}&repeat=1`;
  await timed(search);
  await timed(search);
  cpu.warm.push(await cpuMs(search));
  cpu.static.push(await cpuMs(`${base}/robots.txt`));
  cpu.reload.push(await cpuMs(`${search}&reload=1`));
  await timed(search);
  await timed(search);
  cpu.transfer.push(await cpuMs(`${search}&transfer=1`));
}

const inWorkerUs = [];
for (const q of queries) {
  const enc = encodeURIComponent(q);
  await timed(`${base}/api/_bench/search?q=${enc}&repeat=1`);
  const one = [], many = [];
  for (let i = 0; i < 5; i++) {
    one.push(await timed(`${base}/api/_bench/search?q=${enc}&repeat=1`));
    many.push(await timed(`${base}/api/_bench/search?q=${enc}&repeat=${R + 1}`));
  }
  inWorkerUs.push(Math.max(0, (median(many) - median(one)) / R) * 1000);
}

// The isolate's wasm memory after all those searches (the index blob lives there).
const wasmMemoryBytes = json((await timedBody(`${base}/api/_bench/search?q=${encodeURIComponent(queries[0])}&repeat=1`))[1]).wasm_memory_bytes;

const httpMs = [], suggestMs = [], staticMs = [];
for (let round = 0; round < 5; round++) {
  for (const q of queries) {
    httpMs.push(await timed(`${base}/api/search?q=${encodeURIComponent(q)}&limit=10`));
    // Autocomplete as typed: the query's first word cut to 4 letters.
    const typed = q.split(/\s+/)[0].slice(0, 4);
    suggestMs.push(await timed(`${base}/api/search/suggest?q=${encodeURIComponent(typed)}`));
    staticMs.push(await timed(`${base}/robots.txt`));
  }
}

console.log(JSON.stringify({
  queries: queries.length,
  first_request_ms: coldMs,
  first_request_cpu_ms: coldCpuMs,
  cpu_ms_p50: { cold_index_search: pct(cpu.reload, 0.5), index_transfer_only: pct(cpu.transfer, 0.5), warm_search: pct(cpu.warm, 0.5), static_asset: pct(cpu.static, 0.5) },
  cpu_ms_max: { cold_index_search: Math.max(...cpu.reload), warm_search: Math.max(...cpu.warm), static_asset: Math.max(...cpu.static) },
  cpu_proxy: workerd ? `workerd pid ${workerd}, every thread (/proc schedstat)` : 'unavailable',
  index_open_p50_ms: pct(reloadMs, 0.5),
  index_open_max_ms: Math.max(...reloadMs),
  index_fetch_p50_ms: pct(fetchMs, 0.5),
  index_transfer_only_p50_ms: pct(transferMs, 0.5),
  wasm_memory_bytes: wasmMemoryBytes,
  worker_p50_us: pct(inWorkerUs, 0.5),
  worker_p99_us: pct(inWorkerUs, 0.99),
  http_search_p50_ms: pct(httpMs, 0.5),
  http_search_p99_ms: pct(httpMs, 0.99),
  http_suggest_p50_ms: pct(suggestMs, 0.5),
  http_suggest_p99_ms: pct(suggestMs, 0.99),
  http_static_p50_ms: pct(staticMs, 0.5),
  http_static_p99_ms: pct(staticMs, 0.99),
}));
