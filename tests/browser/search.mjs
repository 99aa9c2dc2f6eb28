// Home page → type into the search box → a result appears (hydrated island calling /api/search).
import { explain, launch, shot, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch();
try {
  await page.goto(base + '/', { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('form.search[data-ready="true"]', { timeout: 20000 });
  const health = await (await fetch(base + '/api/search?q=a&limit=1')).json();
  await page.click('#q');
  // Type the first word of some product title slowly, as a shopper would.
  const first = (await (await fetch(base + '/api/search?q=headphones&limit=1')).json()).hits[0]
    ?? (await (await fetch(base + '/api/search?q=jacket&limit=1')).json()).hits[0];
  if (!first) throw new Error('no product to search for: ' + JSON.stringify(health));
  // The whole title, typed key by key: results update as the shopper types.
  const word = first.title;
  await page.keyboard.type(word.toLowerCase(), { delay: 30 });
  const link = page.locator('#search-results a', { hasText: first.title });
  await link.first().waitFor({ timeout: 10000 });
  await shot(page, 'search-results');
  console.log(`typed "${word}", saw "${first.title}" in the results`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
