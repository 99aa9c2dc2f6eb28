// Keyboard only: from a product page, choose a variant with the arrow keys, add it to the cart
// and reach the cart, without the mouse. Along the way, every choice the picker allows must be a
// variant that exists and is in stock (checked against the page's own JSON-LD offers).
import { explain, launch, shot, wake } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch({ viewport: { width: 1440, height: 900 } });
try {
  let url = null;
  for (const q of ['jacket', 'hoodie', 'tee', 'running shoes']) {
    for (const h of (await (await fetch(`${base}/api/search?q=${encodeURIComponent(q)}&limit=20`)).json()).hits) {
      const html = await (await fetch(base + h.url)).text();
      if ((html.match(/<fieldset class="option">/g) || []).length >= 2) { url = h.url; break; }
    }
    if (url) break;
  }
  if (!url) throw new Error('no product with two options');
  await page.goto(base + url, { waitUntil: 'load' });
  await wake(page);
  await page.waitForSelector('[data-testid=variant-picker][data-ready="true"]', { timeout: 20000 });
  const ld = JSON.parse(await page.locator('script[type="application/ld+json"]').first().textContent());
  const offers = ld.offers.offers || [ld.offers];
  const buyable = new Set(offers.filter((o) => o.availability.endsWith('InStock')).map((o) => o.name));
  const chosen = () => page.evaluate(() => [...document.querySelectorAll('fieldset.option')]
    .map((f) => f.querySelector('input:checked')?.value).join(' / '));
  const assertBuyable = async (when) => {
    const c = await chosen();
    if (!buyable.has(c)) throw new Error(`${when}: the picker allows "${c}", which is not an in-stock variant (${[...buyable].join(', ')})`);
  };
  await assertBuyable('initial choice');

  // Tab from the top of the page until focus is on the first option's checked radio.
  await page.locator('body').focus();
  let steps = 0;
  while (!(await page.evaluate(() => document.activeElement?.matches?.('fieldset.option input[type=radio]')))) {
    await page.keyboard.press('Tab');
    if (++steps > 80) throw new Error('the variant picker cannot be reached with Tab');
  }
  // Arrow keys move within a radio group (and select); every reachable choice must be buyable.
  const groups = await page.locator('fieldset.option').count();
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(50);
      await assertBuyable(`group ${g + 1}, arrow ${i + 1}`);
    }
    if (g + 1 < groups) await page.keyboard.press('Tab');
  }
  const sku = (await page.locator('[data-testid=variant-sku]').textContent()).trim();
  // On to "Add to cart" and press it.
  steps = 0;
  while (!(await page.evaluate(() => document.activeElement?.textContent === 'Add to cart'))) {
    await page.keyboard.press('Tab');
    if (++steps > 10) throw new Error('"Add to cart" cannot be reached with Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('.notice.ok', { timeout: 10000 });
  // Focus is visible on the focused control (outline from :focus-visible).
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  if (outline === 'none') throw new Error('no visible focus on the focused button');
  steps = 0;
  while (!(await page.evaluate(() => document.activeElement?.textContent === 'View cart'))) {
    await page.keyboard.press('Tab');
    if (++steps > 10) throw new Error('"View cart" cannot be reached with Tab');
  }
  await Promise.all([page.waitForURL(/\/cart\/$/, { timeout: 10000 }), page.keyboard.press('Enter')]);
  await page.waitForSelector(`.cart-line[data-sku="${sku}"]`, { timeout: 20000 });
  await shot(page, 'keyboard-cart');
  if (page.errors.length) throw new Error('page errors: ' + page.errors.join('\n'));
  console.log(`keyboard: ${url} → ${sku} in the cart; every reachable choice was an in-stock variant`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
