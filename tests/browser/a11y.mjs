// axe-core in headless Chromium on the main pages, after hydration: no serious or critical
// violations (WCAG 2.1 A/AA rules and axe's best practices).
import { gotoIdle, launch, wake } from './browser.mjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const base = process.env.BASE_URL;
const product = (await (await fetch(base + '/api/search?q=jacket&limit=1')).json()).hits[0].url;
const pages = ['/', '/c/apparel/', product, '/cart/', '/checkout/', '/account/', '/search?q=jacket', '/pages/shipping/'];
const failures = [];
for (const viewport of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
  // axe-core is injected as an inline script, which the worker's Content-Security-Policy (on
  // /search) rightly refuses: the audit runs with CSP bypassed, the pages are unchanged.
  const { browser, page } = await launch({ viewport, bypassCSP: true });
  try {
    for (const path of pages) {
      await gotoIdle(page, base + path);
      await wake(page);
      await page.addScriptTag({ path: axePath });
      const result = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      }));
      for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        failures.push(`${viewport.width}px ${path}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
      console.log(`${viewport.width}px ${path}: ${result.violations.length} violations (${result.violations.map((v) => `${v.id}:${v.impact}`).join(', ') || 'none'}), ${result.passes.length} rules passed`);
    }
  } finally {
    await browser.close();
  }
}
if (failures.length) throw new Error('serious or critical accessibility violations:\n' + failures.join('\n'));
