// With JavaScript disabled, home, category and product pages still show products and prices.
import { launch } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch({ javaScriptEnabled: false });
try {
  for (const path of ['/', '/c/apparel/', '/c/apparel/page/2/']) {
    await page.goto(base + path, { waitUntil: 'load' });
    const cards = await page.locator('.card').count();
    const prices = (await page.locator('.card .price').allTextContents()).filter((p) => /\d/.test(p));
    if (cards === 0 || prices.length !== cards) throw new Error(`${path}: ${cards} cards, ${prices.length} prices`);
  }
  await page.goto(base + '/c/apparel/', { waitUntil: 'load' });
  const href = await page.locator('.card a').first().getAttribute('href');
  await page.goto(base + href, { waitUntil: 'load' });
  const title = await page.textContent('h1');
  const price = await page.locator('.price').first().textContent();
  if (!title || !/\d/.test(price)) throw new Error(`product page ${href}: title ${title}, price ${price}`);
  // The search form still works: a plain GET to the worker-rendered results page.
  await page.goto(base + '/search?q=jacket', { waitUntil: 'load' });
  if ((await page.locator('.search-results .card').count()) === 0) throw new Error('no search results without JavaScript');
  console.log(`no-js: pages render products and prices; ${href} shows ${price}`);
} finally {
  await browser.close();
}
