// Product → pick a variant → add to cart → change quantity → checkout (COD or online) → order page.
// usage: node purchase.mjs            (cash on delivery)
//        PAYMENT=online node purchase.mjs  (hosted test payment page, then webhook)
import { explain, launch, productWithTwoOptions, shot, submitForm, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const online = process.env.PAYMENT === 'online';
const { browser, page } = await launch();
const step = (s) => console.log('·', s);
try {
  const slug = await productWithTwoOptions(base);
  await page.goto(`${base}/products/${slug}/`, { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('[data-testid=variant-picker][data-ready="true"]', { timeout: 20000 });
  step(`product ${slug}`);

  // Pick another in-stock value; the SKU shown follows and the URL records it.
  const other = page.locator('fieldset.option input[type=radio]:not([disabled]):not(:checked)');
  if (await other.count() === 0) throw new Error('no other in-stock value to pick');
  await other.first().check({ force: true });
  const sku = (await page.locator('[data-testid=variant-sku]').textContent()).trim();
  if (!sku) throw new Error('no SKU shown for the chosen variant');
  await page.waitForFunction((s) => location.search.includes(`variant=${encodeURIComponent(s)}`), sku, { timeout: 5000 });
  step(`picked ${sku}`);

  await page.click('button:has-text("Add to cart")');
  await page.waitForSelector('.notice.ok', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=cart-count]')?.textContent === '1', null, { timeout: 10000 });
  step('added; header count is 1');

  await page.goto(`${base}/cart/`, { waitUntil: 'load' });
  await page.waitForSelector(`.cart-line[data-sku="${sku}"]`, { timeout: 20000 });
  const unit = await page.locator('.cart-line .unit').first().textContent();
  // The cart is the worker's page of plain forms: a new quantity is sent with "Update".
  await page.fill('.line-qty', '2');
  await submitForm(page, 'button:has-text("Update")');
  if (await page.inputValue('.line-qty') !== '2') throw new Error('the cart did not keep the new quantity');
  await page.waitForFunction(() => document.querySelector('[data-testid=cart-count]')?.textContent === '2', null, { timeout: 10000 });
  step(`quantity 2 (unit ${unit})`);
  await shot(page, `cart-${online ? 'online' : 'cod'}`);

  await page.click('a:has-text("Check out")');
  await page.waitForSelector('form.checkout-form', { timeout: 10000 });
  await wake(page);
  // Submitting empty shows inline errors first.
  await page.click('button:has-text("Place order")');
  await page.waitForSelector('#contact-email[aria-invalid=true]', { timeout: 10000 });
  step('inline validation shown');
  await page.fill('#contact-email', 'shopper@example.ie');
  await page.fill('#address-name', 'Niamh Walsh');
  await page.fill('#address-line1', '4 Harbour Row');
  await page.fill('#address-city', 'Cobh');
  await page.fill('#address-postal_code', 'P24 A123');
  await page.check(online ? 'input[value=online]' : 'input[value=cash_on_delivery]');
  await page.click('button:has-text("Place order")');

  if (online) {
    await page.waitForURL(/\/pay\/test\//, { timeout: 15000 });
    step('on the hosted payment page');
    await shot(page, 'payment-page');
    // A declined card first: the order page says so and offers to pay again; paying then, the
    // page follows the payment by itself.
    await page.click('button:has-text("Decline card")');
    await page.waitForURL(/\/orders\/\?number=/, { timeout: 15000 });
    await page.waitForSelector('[data-testid=order-status][data-status=payment_failed]', { timeout: 30000 });
    step('declined; the order page offers to pay again');
    await page.click('button:has-text("Try paying again")');
    await page.waitForURL(/\/pay\/test\//, { timeout: 15000 });
    await page.click('button.pay');
  }
  await page.waitForURL(/\/orders\/\?number=/, { timeout: 15000 });
  await page.waitForSelector('[data-testid=order-number]', { timeout: 20000 });
  const number = await page.locator('[data-testid=order-number]').textContent();
  const total = await page.locator('[data-testid=order-total]').textContent();
  if (!/^\d+$/.test(number.trim()) || !total.trim()) throw new Error(`order page incomplete: ${number} ${total}`);
  const want = online ? 'paid' : 'confirmed';
  await page.waitForSelector(`[data-testid=order-status][data-status=${want}]`, { timeout: 30000 });
  // The order page lists the emails sent (the confirmation arrives through the queue).
  await page.waitForSelector('[data-testid=order-messages] li', { timeout: 30000 });
  const messages = await page.locator('[data-testid=order-messages]').textContent();
  if (!/Order received/.test(messages)) throw new Error(`the order page does not list the confirmation email: ${messages}`);
  const address = await page.locator('[data-testid=order-address]').textContent();
  if (!address.includes('Cobh') || !address.includes('Ireland')) throw new Error(`the order page does not show where it ships: ${address}`);
  // Times as the shopper's browser writes dates, not as stored.
  const times = await page.locator('.order time').allTextContents();
  if (!times.length || times.some((t) => /\d{4}-\d\d-\d\dT/.test(t))) throw new Error(`times not written for people: ${times}`);
  await shot(page, `order-${online ? 'online' : 'cod'}`);
  step(`order ${number.trim()} ${want}, total ${total.trim()}`);
  if (!online) {
    // Cancelling asks once more; "Keep the order" leaves it as it was.
    await page.click('[data-testid=cancel-order] button:has-text("Cancel order")');
    await page.waitForSelector('[data-testid=cancel-order] [role=alert]', { timeout: 5000 });
    await page.click('button:has-text("Keep the order")');
    await page.waitForSelector('[data-testid=cancel-order] button:has-text("Cancel order")', { timeout: 5000 });
    await page.waitForTimeout(1500);
    if ((await page.getAttribute('[data-testid=order-status]', 'data-status')) !== 'confirmed') throw new Error('keeping the order changed it');
    await page.click('[data-testid=cancel-order] button:has-text("Cancel order")');
    await page.click('button:has-text("Yes, cancel the order")');
    await page.waitForSelector('[data-testid=order-status][data-status=cancelled]', { timeout: 30000 });
    step('cancelled after confirming');
  }
  if (page.errors.length) throw new Error('page errors: ' + page.errors.join('\n'));
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
