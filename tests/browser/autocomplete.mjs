// Autocomplete with the keyboard: type part of a word, arrow down to the completion, Enter opens
// the results page; typing a misspelled query and pressing Enter submits the form to /search.
import { explain, launch, shot, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch({ viewport: { width: 1440, height: 900 } });
try {
  await page.goto(base + '/', { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('form.search[data-ready="true"]', { timeout: 20000 });
  await page.click('#q');
  await page.keyboard.type('headph', { delay: 40 });
  const completion = page.locator('#search-results li.completion', { hasText: 'headphones' });
  await completion.first().waitFor({ timeout: 10000 });
  if (await page.getAttribute('#q', 'aria-expanded') !== 'true') throw new Error('the combobox is not expanded');
  await shot(page, 'autocomplete');
  await page.keyboard.press('ArrowDown');
  const active = await page.getAttribute('#q', 'aria-activedescendant');
  const selected = await page.locator('#search-results li[aria-selected="true"]').getAttribute('id');
  if (!active || active !== selected) throw new Error(`aria-activedescendant ${active} does not point at the selected row ${selected}`);
  await Promise.all([page.waitForURL(/\/search\?q=/, { timeout: 10000 }), page.keyboard.press('Enter')]);
  const heading = await page.textContent('h1');
  if (!/Results for/.test(heading)) throw new Error('results page heading: ' + heading);
  const cards = await page.locator('.search-results .card').count();
  if (cards === 0) throw new Error('the results page shows no products');

  // Escape closes the list; Enter without a chosen row submits the typed query.
  // A fresh page: typing before the results page's island has hydrated would race with it.
  await page.goto(base + '/', { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('form.search[data-ready="true"]', { timeout: 20000 });
  await page.click('#q');
  if (await page.inputValue('#q') !== '') throw new Error('the search box is not empty on a fresh page');
  await page.keyboard.type('wireles headphnes', { delay: 20 });
  await page.locator('#search-results li').first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Escape');
  if (await page.getAttribute('#q', 'aria-expanded') !== 'false') throw new Error('Escape did not close the list');
  await Promise.all([page.waitForURL(/q=wireles/, { timeout: 10000 }), page.keyboard.press('Enter')]);
  const found = await page.locator('.search-results .card').count();
  if (found === 0) throw new Error('"wireles headphnes" found nothing on the results page');
  await shot(page, 'search-page');
  if (page.errors.length) throw new Error('page errors: ' + page.errors.join('\n'));
  console.log(`autocomplete: completion chosen with the keyboard, ${cards} results; typo query gave ${found}`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
