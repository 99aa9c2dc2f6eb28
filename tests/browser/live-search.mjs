// Search results page with JavaScript: facet links, pages, Back and typing update the results in
// place (no page load) and the URL, and agree with the search API.
import { explain, launch, shot, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch({ viewport: { width: 1440, height: 900 } });
const api = async (qs) => (await (await fetch(`${base}/api/search?${qs}`)).json());
const count = () => page.locator('.search-page .result-count').textContent();
async function waitFor(what, check) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: timed out (url ${page.url()}, count "${await count()}")`);
}
async function samePage() {
  if ((await page.evaluate(() => window.__stayed)) !== 1) throw new Error('the page was reloaded');
}
try {
  await page.goto(`${base}/search?q=`, { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('.live-results[data-ready="true"]', { state: 'attached', timeout: 20000 });
  await page.evaluate(() => { window.__stayed = 1; });
  const all = await api('q=&per_page=24');
  if ((await count()).trim() !== `${all.total} products`) throw new Error(`count ${await count()} != ${all.total}`);

  // A category facet link.
  const facet = page.locator('.facets a[href*="category="]').first();
  // On a phone the filters are a disclosure under the search box, closed until tapped.
  if (!(await facet.isVisible())) await page.click('.facet-toggle > summary');
  const href = await facet.getAttribute('href');
  const category = new URL(href, base).searchParams.get('category');
  await facet.click();
  await page.waitForURL(/category=/, { timeout: 5000 });
  const inCategory = await api(`q=&category=${encodeURIComponent(category)}&per_page=24`);
  await waitFor('category facet', async () => (await count()).trim() === `${inCategory.total} product${inCategory.total === 1 ? '' : 's'}`);
  await samePage();

  // Next page.
  await page.goBack();
  await waitFor('back to all products', async () => (await count()).trim() === `${all.total} products`);
  await page.click('.search-page .pagination a[rel="next"]');
  await page.waitForURL(/page=2/, { timeout: 5000 });
  const page2 = await api('q=&page=2&per_page=24');
  await waitFor('page 2', async () => (await page.locator('.search-page .card .title').first().textContent()) === page2.hits[0].title);
  await samePage();
  await page.goBack();
  await page.waitForURL((u) => !u.search.includes('page='), { timeout: 5000 });
  await waitFor('page 1 again', async () => (await page.locator('.search-page .card .title').first().textContent()) === all.hits[0].title);

  // Typing: results follow the box, the URL too, still no page load.
  await page.click('#q');
  await page.keyboard.type('headphones', { delay: 30 });
  await page.waitForURL(/q=headphones/, { timeout: 5000 });
  const typed = await api('q=headphones&per_page=24');
  await waitFor('typed query', async () => (await page.locator('.search-page .card .title').first().textContent()) === typed.hits[0].title);
  await samePage();
  await shot(page, 'search-live');

  // On a phone the results come first: the filters wait behind one tap.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/search?q=jacket`, { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('.live-results[data-ready="true"]', { state: 'attached', timeout: 20000 });
  const firstFacet = page.locator('.facets a').first();
  if (await firstFacet.isVisible()) throw new Error('the filters are open on a phone');
  const card = await page.locator('.search-page .card').first().boundingBox();
  if (!card || card.y > 844) throw new Error(`no result on the first screen of a phone (first card at ${card?.y})`);
  await page.click('.facet-toggle > summary');
  if (!(await firstFacet.isVisible())) throw new Error('the filters did not open');
  // A filter chosen there leaves them open for the next one.
  await page.evaluate(() => { window.__phone = 1; });
  await page.locator('.facets a[href*="category="]').first().click();
  await page.waitForURL(/category=/, { timeout: 5000 });
  await waitFor('the filter applied', async () => (await page.locator('.facet-toggle summary').textContent()).includes('1 chosen'));
  if (!(await page.evaluate(() => window.__phone === 1))) throw new Error('the page loaded again instead of swapping its results');
  if (!(await page.locator('.facets a').first().isVisible())) throw new Error('the filters closed after a filter was chosen');
  if (page.errors.length) throw new Error('page errors: ' + page.errors.join('\n'));
  console.log(`live search: ${all.total} products; category ${category}: ${inCategory.total}; page 2 and Back; typed "headphones": ${typed.total}`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
