// Lighthouse (mobile preset: Moto G power emulation, simulated slow 4G) on pages served by
// `wrangler dev`, through Debian's chromium. Prints one JSON line: per page the four category
// scores and the bytes transferred before any interaction, by resource type; then, in the same
// browser, what the page has transferred once its islands are awake (a pointer over the page
// wakes them: public/islands.js), so the cost of the first interaction is on record too.
//   node bench/lighthouse/run.mjs BASE_URL PATH...
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { chromium } from 'playwright-core';
import { wake } from '../../tests/browser/browser.mjs';

const [base, ...paths] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const pages = {};
try {
  for (const path of paths) {
    const result = await lighthouse(base + path, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
    });
    const lhr = result.lhr;
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round(c.score * 100)]));
    const bytes = {};
    for (const item of lhr.audits['resource-summary']?.details?.items ?? []) bytes[item.resourceType] = item.transferSize;
    // wasm is reported as "other"; name it.
    const wasm = (lhr.audits['network-requests']?.details?.items ?? []).filter((r) => r.url.endsWith('.wasm')).reduce((n, r) => n + (r.transferSize || 0), 0);
    const metrics = Object.fromEntries(['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']
      .map((id) => [id, lhr.audits[id]?.numericValue ?? null]));
    const failing = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'notApplicable').map((a) => a.id);
    pages[path] = { scores, bytes: { ...bytes, wasm }, metrics, failing_audits: failing };
    console.error(`${path}: ${JSON.stringify(scores)}`);
  }
  // Bytes on the wire (compressed bodies and headers) before and after the islands wake.
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  for (const path of paths) {
    const context = await cdp.newContext();
    const page = await context.newPage();
    const responses = [];
    page.on('requestfinished', (r) => responses.push(r.sizes().then((s) => s.responseBodySize + s.responseHeadersSize).catch(() => 0)));
    await page.goto(base + path, { waitUntil: 'networkidle' });
    const sum = async () => (await Promise.all(responses)).reduce((a, b) => a + b, 0);
    const idle = await sum();
    const islands = await wake(page);
    if (islands) await page.waitForLoadState('networkidle');
    pages[path].wire = { idle_bytes: idle, awake_bytes: await sum(), has_islands: islands };
    await context.close();
  }
  await cdp.close();
} finally {
  await chrome.kill();
}
console.log(JSON.stringify({ lighthouse: (await import('lighthouse/package.json', { with: { type: 'json' } })).default.version, preset: 'mobile (default)', pages }));
