// A shopper on a phone asks to be told when a sold-out option is back (product page) and signs
// up for the newsletter (footer), without an account, asking for new products too; then another
// shopper signs up with JavaScript off (the form posts to the worker). PRODUCT_PATH names a product
// with a sold-out variant; the Rust test checks what the worker stored and sent.
import { explain, launch, shot, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch();
try {
  await page.goto(base + process.env.PRODUCT_PATH, { waitUntil: 'load' });
  const form = page.locator('[data-testid=back-in-stock]');
  await wake(page);
  await page.locator('[data-testid=back-in-stock][data-ready="true"]').waitFor({ timeout: 20000 });
  const options = await form.locator('select option').count();
  if (options > 0) await form.locator('select').selectOption(process.env.SKU);
  await form.locator('input[type=email]').fill(process.env.ALERT_EMAIL);
  await form.getByRole('button', { name: 'Notify me' }).click();
  await form.locator('.notice.ok').waitFor({ timeout: 15000 });
  await shot(page, 'back-in-stock-phone');

  const news = page.locator('[data-testid=newsletter][data-ready="true"]');
  await wake(page);
  await news.waitFor({ timeout: 20000 });
  // Consent to more mail is the shopper's to give: never ticked, before or after the islands woke.
  if (await news.locator('input[type=checkbox]').isChecked()) throw new Error('"new products" is ticked for the shopper');
  await news.locator('input[type=email]').fill(process.env.NEWS_EMAIL);
  await news.locator('input[type=checkbox]').check();
  await news.getByRole('button', { name: 'Subscribe' }).click();
  await news.locator('.notice.ok').waitFor({ timeout: 15000 });
  const text = await news.locator('.notice').textContent();
  if (!/confirm/i.test(text)) throw new Error(`unexpected answer: ${text}`);
  await news.scrollIntoViewIfNeeded();
  await shot(page, 'newsletter-signup-phone');
  if (page.errors.length) throw new Error(`script errors: ${page.errors.join('; ')}`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}

// The same form without JavaScript: a plain post, answered with a page.
const nojs = await launch({ javaScriptEnabled: false });
try {
  await nojs.page.goto(base + '/', { waitUntil: 'load' });
  const form = nojs.page.locator('[data-testid=newsletter]');
  if (await form.locator('input[type=checkbox]').isChecked()) throw new Error('"new products" is ticked in the static page');
  await form.locator('input[type=email]').fill(process.env.NOJS_EMAIL);
  await Promise.all([nojs.page.waitForURL(/\/newsletter$/), form.getByRole('button', { name: 'Subscribe' }).click()]);
  const text = await nojs.page.locator('main').textContent();
  if (!/check your inbox/i.test(text)) throw new Error(`unexpected page: ${text}`);
  console.log('ok');
} catch (e) {
  await explain(nojs.page, e);
} finally {
  await nojs.browser.close();
}
