// A shopper's visit as the analytics see it: a search, a click on a result, the product page,
// add to cart, checkout (cash on delivery). Prints `BEACON {json}` with the page's session id, the
// query, the product and the order number for the Rust side to find in D1. The browser says it
// is a desktop Chrome: the worker drops what headless browsers send.
import { explain, launch, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const { browser, page } = await launch({ viewport: { width: 1280, height: 900 }, userAgent });
const step = (s) => console.log('·', s);
try {
  const query = 'tent';
  await page.goto(`${base}/search?q=${query}`, { waitUntil: 'load' });
  await page.waitForSelector('[data-search-query]', { timeout: 20000 });
  const session = await page.evaluate(() => document.documentElement.dataset.session);
  if (!/^[0-9a-f]{32}$/.test(session || '')) throw new Error(`no session id on the page: ${session}`);
  step(`searched "${query}" in session ${session}`);
  const link = page.locator("main a[href^='/products/']").first();
  const href = await link.getAttribute('href');
  const product = href.split('/')[2];
  await link.click();
  await page.waitForURL(`${base}/products/${product}/`, { timeout: 15000 });
  await wake(page);
  await page.waitForSelector('[data-testid=variant-picker][data-ready="true"]', { timeout: 20000 });
  const same = await page.evaluate(() => document.documentElement.dataset.session);
  if (same !== session) throw new Error(`the session changed between pages: ${same}`);
  const choice = page.locator('fieldset.option input[type=radio]:not([disabled])');
  if (await choice.count()) await choice.first().check({ force: true });
  await page.click('button:has-text("Add to cart")');
  await page.waitForSelector('.notice.ok', { timeout: 10000 });
  step(`clicked ${product} and added it to the cart`);
  await page.goto(`${base}/checkout/`, { waitUntil: 'load' });
  await page.waitForSelector('form.checkout-form', { timeout: 10000 });
  await wake(page);
  await page.fill('#contact-email', 'beacon@example.ie');
  await page.fill('#address-name', 'Aoife Byrne');
  await page.fill('#address-line1', '2 Quay Street');
  await page.fill('#address-city', 'Galway');
  await page.fill('#address-postal_code', 'H91 A1B2');
  await page.check('input[value=cash_on_delivery]');
  await page.click('button:has-text("Place order")');
  await page.waitForURL(/\/orders\/\?number=/, { timeout: 15000 });
  await page.waitForSelector('[data-testid=order-number]', { timeout: 20000 });
  const number = Number((await page.locator('[data-testid=order-number]').textContent()).trim());
  step(`order ${number}`);
  if (page.errors.length) throw new Error('script errors: ' + page.errors.join('\n'));
  console.log('BEACON ' + JSON.stringify({ session, query, product, number }));
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
