// The merchant's reports over a generated 90-day history (10,000+ orders) in D1, under wrangler
// dev on loopback, with a static asset from the same server as the baseline. Closed loop: C
// clients for D seconds per scenario. Also the beacon script's size (raw and gzip).
//
// usage: node analytics-load.mjs BASE_URL SESSION_COOKIE UNTIL(YYYY-MM-DD) [concurrency=4] [seconds=6]
import { gzipSync } from 'node:zlib';

const [base, cookie, until, cArg, dArg] = process.argv.slice(2);
const C = Number(cArg || 4), D = Number(dArg || 6) * 1000;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };
const day = (offset) => new Date(Date.parse(until + 'T00:00:00Z') - offset * 86400000).toISOString().slice(0, 10);

async function scenario(name, path, headers = {}, clients = C) {
  const lat = []; let errors = 0; let bytes = 0;
  const end = Date.now() + D;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < end) {
      const t = performance.now();
      const r = await fetch(base + path, { headers });
      const text = await r.text();
      lat.push(performance.now() - t);
      bytes = text.length;
      if (r.status !== 200) errors++;
    }
  }));
  return { name, clients, requests: lat.length, errors, rps: +(lat.length / (D / 1000)).toFixed(1), p50_ms: +pct(lat, 0.5).toFixed(1), p99_ms: +pct(lat, 0.99).toFixed(1), body_bytes: bytes };
}

const staff = { cookie };
const check = await fetch(`${base}/api/admin/analytics?from=${day(29)}&to=${until}`, { headers: staff });
const report = await check.json();
if (check.status !== 200) throw new Error(`report: ${check.status} ${JSON.stringify(report)}`);
const results = [];
results.push(await scenario('static asset GET /robots.txt', '/robots.txt'));
results.push(await scenario('report, 7 days', `/api/admin/analytics?from=${day(6)}&to=${until}`, staff));
results.push(await scenario('report, 30 days', `/api/admin/analytics?from=${day(29)}&to=${until}`, staff));
results.push(await scenario('report, 90 days', `/api/admin/analytics?from=${day(89)}&to=${until}`, staff));
results.push(await scenario('CSV export (top products, 30 days)', `/api/admin/analytics/export?table=top_products_revenue&from=${day(29)}&to=${until}`, staff));
results.push(await scenario('health, 24 hours', '/api/admin/health?hours=24', staff));
// One merchant alone: the latency without queueing behind other requests.
results.push(await scenario('static asset GET /robots.txt', '/robots.txt', {}, 1));
results.push(await scenario('report, 30 days', `/api/admin/analytics?from=${day(29)}&to=${until}`, staff, 1));
results.push(await scenario('report, 90 days', `/api/admin/analytics?from=${day(89)}&to=${until}`, staff, 1));
// Each against the static asset at the same number of clients.
for (const r of results) {
  const baseline = results.find((b) => b.name.startsWith('static asset') && b.clients === r.clients);
  r.p50_vs_static = +(r.p50_ms / baseline.p50_ms).toFixed(2);
  r.p99_vs_static = +(r.p99_ms / baseline.p99_ms).toFixed(2);
}
const beacon = await (await fetch(`${base}/assets/beacon.js`)).text();
const orders = report.kpis.find((k) => k.key === 'orders');
console.log(JSON.stringify({
  orders_in_30_days: orders.value,
  concurrency: C,
  seconds: D / 1000,
  beacon_script: { raw_bytes: Buffer.byteLength(beacon), gzip_bytes: gzipSync(beacon).length },
  results,
}));
