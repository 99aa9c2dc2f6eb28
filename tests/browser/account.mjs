// A shopper's account with JavaScript off, on a phone: the header's "Orders" link opens the
// sign-in form, which answers the same for any address; the emailed link (ACCOUNT_LINK, asked
// for by the Rust test) shows a button that signs in; the account lists the order
// (ORDER_NUMBER) and opens its page; signing out shows the form again.
import { explain, launch, shot, submitForm } from './browser.mjs';

const base = process.env.BASE_URL;
const link = process.env.ACCOUNT_LINK;
const number = process.env.ORDER_NUMBER;
const { browser, page } = await launch({ javaScriptEnabled: false });
const step = (s) => console.log('·', s);
try {
  await page.goto(base + '/', { waitUntil: 'load' });
  await Promise.all([page.waitForURL(/\/account\/$/), page.click('[data-testid=account-link]')]);
  await page.fill('#account-email', 'someone-new@example.ie');
  await Promise.all([page.waitForURL(/\/account\/sign-in$/), page.click('button:has-text("Email me a sign-in link")')]);
  await page.waitForSelector('[data-testid=account-link-sent]');
  step('asking for a link: "on its way" whoever asks');

  await page.goto(base + link, { waitUntil: 'load' });
  await Promise.all([page.waitForURL(/\/account\/$/), page.click('button:has-text("Sign in")')]);
  const rows = page.locator('[data-testid=account-orders] tbody tr');
  if ((await rows.count()) !== 1) throw new Error(`${await rows.count()} orders listed, not 1`);
  const row = (await rows.first().innerText()).replace(/\s+/g, ' ');
  if (!row.includes(number) || !/Confirmed/.test(row) || !/\d/.test(row)) throw new Error(`the order row reads: ${row}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (overflow) throw new Error('the account page scrolls sideways on a phone');
  await shot(page, 'account-orders');
  step(`signed in: ${row}`);

  await Promise.all([page.waitForURL(/\/orders\/\?number=/), page.click(`a:has-text("${number}")`)]);
  if ((await page.textContent('[data-testid=order-number]')).trim() !== number) throw new Error('the order link opened another order');
  await page.goBack({ waitUntil: 'load' });
  await submitForm(page, 'button:has-text("Sign out")');
  try {
    await page.locator('#account-email').waitFor({ timeout: 10000 });
  } catch {
    throw new Error('signed out, but no sign-in form');
  }
  if ((await page.locator('[data-testid=account-orders]').count()) !== 0) throw new Error('signed out, but the orders are still listed');
  step('order page opened, signed out');
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
