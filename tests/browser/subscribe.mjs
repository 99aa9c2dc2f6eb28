// A shopper on a phone asks to be told when a sold-out option is back (product page) and signs
// up for the newsletter (footer), without an account. PRODUCT_PATH names a product with a sold-out
// variant; the Rust test checks what the worker stored and sent.
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
  await news.locator('input[type=email]').fill(process.env.NEWS_EMAIL);
  await news.getByRole('button', { name: 'Subscribe' }).click();
  await news.locator('.notice.ok').waitFor({ timeout: 15000 });
  const text = await news.locator('.notice').textContent();
  if (!/confirm/i.test(text)) throw new Error(`unexpected answer: ${text}`);
  await news.scrollIntoViewIfNeeded();
  await shot(page, 'newsletter-signup-phone');
  if (page.errors.length) throw new Error(`script errors: ${page.errors.join('; ')}`);
  console.log('ok');
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
