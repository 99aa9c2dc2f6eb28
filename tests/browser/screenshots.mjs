// Screenshots of home, category, product, search and cart pages at phone and desktop sizes.
//   BASE_URL=… SCREENSHOT_DIR=… node tests/browser/screenshots.mjs
import { launch, wake } from './browser.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const dir = process.env.SCREENSHOT_DIR || 'target/screenshots';
mkdirSync(dir, { recursive: true });
const product = (await (await fetch(base + '/api/search?q=jacket&limit=1')).json()).hits[0].url;
const shots = [];
for (const [label, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1440, height: 900 }]]) {
  const { browser, page } = await launch({ viewport });
  try {
    for (const [name, path] of [['home', '/'], ['category', '/c/apparel/'], ['product', product], ['search', '/search?q=headphones']]) {
      await page.goto(base + path, { waitUntil: 'networkidle' });
      const file = join(dir, `${name}-${label}.png`);
      await page.screenshot({ path: file });
      shots.push(file);
    }
    // The cart with one line in it, added through the product page's picker.
    await page.goto(base + product, { waitUntil: 'networkidle' });
    await wake(page);
    await page.waitForSelector('[data-testid=variant-picker][data-ready="true"]', { timeout: 20000 });
    await page.click('button:has-text("Add to cart")');
    await page.waitForSelector('.notice.ok', { timeout: 10000 });
    await page.goto(base + '/cart/', { waitUntil: 'networkidle' });
    const file = join(dir, `cart-${label}.png`);
    await page.screenshot({ path: file });
    shots.push(file);
  } finally {
    await browser.close();
  }
}
console.log(JSON.stringify({ screenshots: shots }));
