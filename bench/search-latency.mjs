// Worker-side search latency under wrangler dev (workerd) on loopback.
//
// In-worker time per query: Workers clocks do not advance during CPU work, so the worker cannot
// time itself. /api/_bench/search runs the same query `repeat` times in one request; the
// difference between a repeat=R+1 and a repeat=1 round trip, divided by R, is the in-isolate
// query time with HTTP and JSON costs cancelled out. Medians of several round trips are used.
//
// usage: node search-latency.mjs BASE_URL queries.json R
import { readFileSync } from 'node:fs';

const [base, queryFile, rArg] = process.argv.slice(2);
const R = Number(rArg || 20);
const queries = JSON.parse(readFileSync(queryFile, 'utf8'));

// Round-trip time of a GET and its body (failed requests stop the benchmark).
async function timedBody(url) {
  const t = performance.now();
  const r = await fetch(url);
  const body = await r.arrayBuffer();
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return [performance.now() - t, body];
}
const timed = async (url) => (await timedBody(url))[0];
const json = (body) => JSON.parse(new TextDecoder().decode(body));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.round((s.length - 1) * p)]; };

// Cold open: the first search request of a fresh isolate opens the index.
const coldMs = await timed(`${base}/api/search?q=${encodeURIComponent(queries[0])}`);

// Cold open again, in the same isolate: fetch the index from static assets and open it
// (reload=1), minus the same search on the open index.
// The worker reports how much of it was the fetch (its clock only moves across I/O).
const reloadMs = [], fetchMs = [];
for (let i = 0; i < 7; i++) {
  const enc = encodeURIComponent(queries[i % queries.length]);
  const [cold, body] = await timedBody(`${base}/api/_bench/search?q=${enc}&repeat=1&reload=1`);
  fetchMs.push(json(body).index_fetch_ms);
  const warm = await timed(`${base}/api/_bench/search?q=${enc}&repeat=1`);
  reloadMs.push(cold - warm);
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
  index_open_p50_ms: pct(reloadMs, 0.5),
  index_open_max_ms: Math.max(...reloadMs),
  index_fetch_p50_ms: pct(fetchMs, 0.5),
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
