// Category page: a brand filter and a sort change the grid in place and the URL; Back restores
// the previous state, down to the static grid.
import { explain, launch, shot, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const category = 'apparel';
const { browser, page } = await launch({ viewport: { width: 1440, height: 900 } });
const titles = () => page.locator('.browse-results .card .title').allTextContents();
const api = async (qs) => (await (await fetch(`${base}/api/search?category=${category}&per_page=24&${qs}`)).json()).hits.map((h) => h.title);
async function expectGrid(expected, what) {
  for (let i = 0; i < 100; i++) {
    const got = await titles();
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`${what}: grid ${JSON.stringify(await titles())} != ${JSON.stringify(expected)}`);
}
try {
  await page.goto(`${base}/c/${category}/`, { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('.browse[data-ready="true"]', { timeout: 20000 });
  const staticCards = await page.locator('.browse-static .card').count();
  if (staticCards === 0) throw new Error('no static grid');
  await page.click('.filters summary');
  const brandBox = page.locator('.facet', { hasText: 'Brand' }).locator('input[type=checkbox]').first();
  await brandBox.waitFor({ timeout: 10000 });
  const brandLabel = await page.locator('.facet', { hasText: 'Brand' }).locator('label').first().textContent();
  await brandBox.check();
  await page.waitForURL(/brand=/, { timeout: 5000 });
  const brand = decodeURIComponent(new URL(page.url()).searchParams.get('brand'));
  if (!brandLabel.startsWith(brand)) throw new Error(`checked "${brandLabel}" but the URL says ${brand}`);
  const byBrand = await api(`brand=${encodeURIComponent(brand)}`);
  await expectGrid(byBrand, 'brand filter');
  if (!(await page.locator('.browse-static').isHidden())) throw new Error('the static grid is still shown');

  await page.selectOption('.sort-by select', 'price-asc');
  await page.waitForURL(/sort=price-asc/, { timeout: 5000 });
  const sorted = await api(`brand=${encodeURIComponent(brand)}&sort=price-asc`);
  await expectGrid(sorted, 'brand filter + price sort');
  await shot(page, 'category-filtered');

  await page.goBack();
  await page.waitForURL((u) => !u.search.includes('sort='), { timeout: 5000 });
  await expectGrid(byBrand, 'back to the brand filter');
  if ((await page.inputValue('.sort-by select')) !== 'relevance') throw new Error('sort select not restored');
  await page.goBack();
  await page.waitForURL((u) => u.search === '', { timeout: 5000 });
  await page.locator('.browse-static').waitFor({ state: 'visible', timeout: 5000 });
  if (await brandBox.isChecked()) throw new Error('brand checkbox still checked after Back');
  // A shared link with a filter and a sort shows them as it opens, untouched.
  await page.goto(`${base}/c/${category}/?brand=${encodeURIComponent(brand)}&sort=price-asc`, { waitUntil: 'load' });
  await expectGrid(sorted, 'a shared link, untouched');
  if (page.errors.length) throw new Error('page errors: ' + page.errors.join('\n'));
  console.log(`filters: ${staticCards} static cards; brand ${brand}: ${byBrand.length}; sorted and restored with Back; a shared link shows its filter`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
