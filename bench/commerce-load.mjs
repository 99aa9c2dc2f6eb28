// Cart and checkout round trips under wrangler dev on loopback, with a static asset from the same
// server as the baseline. Closed-loop load: C virtual shoppers, each for D seconds per scenario.
//
// Rate limits are per client IP; every virtual shopper sends its own CF-Connecting-IP so the
// benchmark measures the work, not the 429s. Checkout uses SKUs whose stock policy is "continue",
// so stock never runs out (the stock ledger is still called for every order).
//
// usage: node commerce-load.mjs BASE_URL snapshot.json [concurrency=8] [seconds=8]
import { readFileSync } from 'node:fs';

const [base, snapshotPath, cArg, dArg] = process.argv.slice(2);
const C = Number(cArg || 8), D = Number(dArg || 8) * 1000;
const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8'));
// Compact snapshot: products [slug, title, published, image]; skus [sku, product, values, price, compare_at, stock, continue].
const skus = snapshot.skus.filter((s) => snapshot.products[s[1]][2] && s[6]).map((s) => s[0]);
if (!skus.length) throw new Error('no stock_policy=continue SKU in the catalog');

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.round((s.length - 1) * p))]; };
const address = { name: 'Bench Shopper', line1: '1 Loop Road', city: 'Dublin', postal_code: 'D01', country: snapshot.shop.shipping.countries[0] };

async function req(method, path, { ip, cart, key, body } = {}) {
  const headers = { 'cf-connecting-ip': ip || '127.0.0.1' };
  if (cart) headers['x-cart-id'] = cart;
  if (key) headers['idempotency-key'] = key;
  if (body) headers['content-type'] = 'application/json';
  const r = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, cartId: r.headers.get('x-cart-id'), text };
}

async function scenario(name, once) {
  const lat = []; let errors = 0; let seq = 0;
  const end = Date.now() + D;
  await Promise.all(Array.from({ length: C }, async (_, vu) => {
    while (Date.now() < end) {
      const t = performance.now();
      const ok = await once(vu, seq++);
      lat.push(performance.now() - t);
      if (!ok) errors++;
    }
  }));
  return { name, requests: lat.length, errors, rps: lat.length / (D / 1000), p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99) };
}

const ipOf = (vu, n) => `10.${vu}.${(n >> 8) & 255}.${n & 255}`;
const results = [];
// Baseline: a static file from the same wrangler dev (Workers Static Assets, no worker code).
results.push(await scenario('static asset GET /robots.txt', async () => (await req('GET', '/robots.txt')).status === 200));
// Cart round trip: add a line (new cart, a write to its Durable Object), then read the cart back (a read + pricing).
results.push(await scenario('cart round trip (POST line + GET cart)', async (vu, n) => {
  const sku = skus[n % skus.length];
  const add = await req('POST', '/api/cart/lines', { ip: ipOf(vu, n), body: { sku, quantity: 1 } });
  if (add.status !== 201) return false;
  return (await req('GET', '/api/cart', { cart: add.cartId })).status === 200;
}));
// The same on a shopper's cart: each shopper adds to one cart (ten lines, then a new cart, as a
// shopper filling a basket would), so a new cart's Durable Object is made for one add in ten.
const carts = new Map();
results.push(await scenario('cart round trip on a shopper\'s cart (POST line + GET cart, a new cart every 10 lines)', async (vu, n) => {
  const sku = skus[n % skus.length];
  const held = carts.get(vu);
  const cart = held && held.lines < 10 ? held : { id: null, lines: 0 };
  const add = await req('POST', '/api/cart/lines', { ip: ipOf(vu, n), cart: cart.id, body: { sku, quantity: 1 } });
  if (add.status !== 201 && add.status !== 200) return false;
  carts.set(vu, { id: add.cartId || cart.id, lines: cart.lines + 1 });
  return (await req('GET', '/api/cart', { cart: add.cartId || cart.id })).status === 200;
}));
// Checkout round trip: add a line, then check out with cash on delivery (idempotency DO, order
// sequence DO, stock ledger DO, D1 order batch, queue send, cart delete).
results.push(await scenario('checkout round trip (POST line + POST checkout COD)', async (vu, n) => {
  const ip = ipOf(vu, n);
  const add = await req('POST', '/api/cart/lines', { ip, body: { sku: skus[n % skus.length], quantity: 1 } });
  if (add.status !== 201) return false;
  const r = await req('POST', '/api/checkout', { ip, cart: add.cartId, key: `bench-${vu}-${n}-${Date.now()}`,
    body: { address, contact: { email: 'bench@example.ie' }, payment_method: 'cash_on_delivery' } });
  return r.status === 201;
}));
console.log(JSON.stringify({ concurrency: C, seconds_per_scenario: D / 1000, results }));
