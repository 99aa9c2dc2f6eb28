// Lazy islands (public/islands.js): a product page loads no wasm until the shopper uses it; what
// they did while it was on its way (another option, a quantity) survives hydration and is what
// gets added; the header's count comes from the cart without waking the islands.
import { explain, gotoIdle, launch, productWithTwoOptions } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch();
const step = (s) => console.log('·', s);
const wasm = [];
page.on('request', (r) => { if (r.url().includes('/pkg/')) wasm.push(r.url()); });
try {
  const slug = await productWithTwoOptions(base);

  // Loaded and idle: nothing of the bundle fetched, no count shown, the form already usable.
  await gotoIdle(page, `${base}/products/${slug}/`);
  await page.waitForTimeout(500);
  if (wasm.length) throw new Error(`the bundle was fetched before the page was used: ${wasm.join(', ')}`);
  if (await page.textContent('[data-testid=cart-count]') !== '') throw new Error('a count without a cart');
  step('idle page: no bundle fetched');

  // The shopper picks another option and types a quantity while the bundle is still on its way
  // (held back here until they are done).
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/pkg/*.wasm', async (route) => { await held; await route.continue(); });
  const other = page.locator('fieldset.option input[type=radio]:not([disabled]):not(:checked)');
  if (await other.count() === 0) throw new Error('no other in-stock value to pick');
  const value = await other.first().getAttribute('value');
  const group = await other.first().getAttribute('name');
  await other.first().check({ force: true });
  await page.fill('#qty', '2');
  if (!wasm.some((u) => u.endsWith('.js'))) throw new Error('using the page did not start loading its islands');
  step(`picked ${group}=${value}, quantity 2, before the islands woke`);
  release();
  await page.waitForSelector('html[data-islands=awake]', { timeout: 20000 });
  await page.waitForSelector('[data-testid=variant-picker][data-ready="true"]', { timeout: 20000 });

  // Hydration kept the choice: still checked, the SKU shown and sent is that variant's.
  const checked = await page.locator(`input[name="${group}"][value="${value}"]`).isChecked();
  if (!checked) throw new Error('hydration undid the option picked before it');
  if (await page.inputValue('#qty') !== '2') throw new Error('hydration undid the quantity typed before it');
  const sku = (await page.locator('[data-testid=variant-sku]').textContent()).trim();
  if (await page.inputValue('input[type=hidden][name=sku]') !== sku) throw new Error('the form would send another SKU than the one shown');
  await page.click('button:has-text("Add to cart")');
  await page.waitForSelector('.notice.ok', { timeout: 10000 });
  const notice = await page.textContent('.notice.ok');
  if (!notice.includes('Added 2 ×') || !notice.includes(value)) throw new Error(`added something else: ${notice}`);
  await page.waitForFunction(() => document.querySelector('[data-testid=cart-count]')?.textContent === '2', null, { timeout: 10000 });
  step(`added 2 × ${sku} with the islands awake; header count 2`);

  // Another page: the count is there without the bundle.
  wasm.length = 0;
  await page.goto(`${base}/`, { waitUntil: 'networkidle' });
  await page.waitForFunction(() => document.querySelector('[data-testid=cart-count]')?.textContent === '2', null, { timeout: 10000 });
  if (wasm.length) throw new Error(`the home page fetched the bundle before it was used: ${wasm.join(', ')}`);
  step('home page: count 2, no bundle fetched');
  if (page.errors.length) throw new Error(`script errors: ${page.errors.join('; ')}`);
  console.log('ok');
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
