// The back office's order list with many orders in D1, under wrangler dev on loopback, with a
// static asset from the same server as the baseline. Closed loop: C clients for D seconds each.
//
// usage: node back-office-load.mjs BASE_URL SESSION_COOKIE [concurrency=8] [seconds=8]
const [base, cookie, cArg, dArg] = process.argv.slice(2);
const C = Number(cArg || 8), D = Number(dArg || 8) * 1000;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };

async function get(path, headers = {}) {
  const r = await fetch(base + path, { headers });
  const text = await r.text();
  return { status: r.status, text };
}

async function scenario(name, path, headers) {
  const lat = []; let errors = 0; let bytes = 0;
  const end = Date.now() + D;
  await Promise.all(Array.from({ length: C }, async () => {
    while (Date.now() < end) {
      const t = performance.now();
      const r = await get(path(), headers);
      lat.push(performance.now() - t);
      bytes = r.text.length;
      if (r.status !== 200) errors++;
    }
  }));
  return { name, requests: lat.length, errors, rps: lat.length / (D / 1000), p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99), body_bytes: bytes };
}

const staff = { cookie, 'sec-fetch-site': 'same-origin' };
const first = JSON.parse((await get('/api/admin/orders', staff)).text);
if (!first.total) throw new Error('no orders in the database');
const paid = JSON.parse((await get('/api/admin/orders?status=paid', staff)).text);
let n = 0;
const results = [];
results.push(await scenario('static asset GET /robots.txt', () => '/robots.txt', {}));
results.push(await scenario('order list, newest first (page 1)', () => '/api/admin/orders', staff));
results.push(await scenario('order list, filtered by status, a random page', () => `/api/admin/orders?status=paid&page=${1 + (n++ % paid.pages)}`, staff));
results.push(await scenario('search by part of an email address', () => `/api/admin/orders?q=shopper${(n++ % 997)}%40`, staff));
results.push(await scenario('search by order number', () => `/api/admin/orders?q=${1001 + (n++ % first.total)}`, staff));
results.push(await scenario('one order in full', () => `/api/admin/orders/${1001 + (n++ % first.total)}`, staff));
const baseline = results[0];
for (const r of results) {
  r.p50_vs_static = +(r.p50_ms / baseline.p50_ms).toFixed(2);
  r.p99_vs_static = +(r.p99_ms / baseline.p99_ms).toFixed(2);
}
console.log(JSON.stringify({ orders: first.total, concurrency: C, seconds: D / 1000, results }));
