// Product pages a build left to the edge against static product pages, from the same
// `wrangler dev` in the same run, one request at a time on loopback.
//
// - static: product pages that are static files (served before the worker runs);
// - edge first: each edge page's first request (the worker fetches its data shard when no page of
//   that shard was asked before, renders it and stores it in the edge cache);
// - edge cached: the same pages again (from the edge cache).
// Every answer is checked (status 200, and the header that says where an edge page came from).
//
// usage: node edge-pages.mjs BASE_URL pages.json   (pages.json: {"static": [paths], "edge": [paths]})
import { readFileSync } from 'node:fs';

const [base, file] = process.argv.slice(2);
const pages = JSON.parse(readFileSync(file, 'utf8'));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.round((s.length - 1) * p)]; };

async function timed(path, expect) {
  const t = performance.now();
  const r = await fetch(base + path);
  await r.arrayBuffer();
  const ms = performance.now() - t;
  if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
  const how = r.headers.get('x-edgeshop-render');
  if (how !== expect) throw new Error(`${path}: x-edgeshop-render ${how}, expected ${expect}`);
  return ms;
}

// Settle the isolate (manifest, site facts) with pages outside the measured sets.
for (const p of pages.warmup) await timed(p, 'rendered');
const stat = [], first = [], cached = [];
for (const p of pages.static) stat.push(await timed(p, null));
for (const p of pages.edge) first.push(await timed(p, 'rendered'));
for (const p of pages.edge) cached.push(await timed(p, 'cache'));
for (const p of pages.static) stat.push(await timed(p, null));
const summary = (xs) => ({ n: xs.length, p50_ms: pct(xs, 0.5), p99_ms: pct(xs, 0.99) });
console.log(JSON.stringify({ static: summary(stat), edge_first: summary(first), edge_cached: summary(cached) }));
