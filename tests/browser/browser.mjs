// Shared launcher: Debian's chromium through playwright-core (no browser downloads here).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export async function launch({ javaScriptEnabled = true, viewport = { width: 390, height: 844 }, bypassCSP = false, userAgent } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    // playwright gives every launch a fresh temporary profile.
  });
  const context = await browser.newContext({ javaScriptEnabled, viewport, bypassCSP, ...(userAgent ? { userAgent } : {}) });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // HTTP errors the page handles itself (e.g. a 422 shown as inline errors) are logged by the
  // browser as 'Failed to load resource'; only script errors count.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.errors = errors;
  // Requests that failed or were answered with an error, kept for `explain`.
  const answers = [];
  page.on('requestfailed', (r) => answers.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) answers.push(`${r.request().method()} ${r.url()} → ${r.status()}`); });
  page.answers = answers;
  return { browser, page };
}

// Clicks a form's button and waits for the page the post leads to. Waiting for the address is not
// enough when that page has the address already shown (a cart form comes back to /cart/).
export async function submitForm(page, selector, timeout = 15000) {
  await Promise.all([
    page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout }),
    page.click(selector),
  ]);
  await page.waitForLoadState('load');
}

// What a failed browser test saw: the address, the page's text, script errors and requests that
// failed or got an error, and a screenshot (`failure.png`). Printed before the error is rethrown.
export async function explain(page, error) {
  try {
    console.log(`✗ at ${page.url()}`);
    const text = await page.evaluate(() => document.querySelector('main')?.innerText ?? document.body?.innerText ?? '');
    console.log(`  page text: ${text.replace(/\s+/g, ' ').slice(0, 1200)}`);
    const awake = await page.evaluate(() => document.documentElement.dataset.islands ?? 'not marked');
    console.log(`  islands: ${awake}`);
    if (page.errors?.length) console.log(`  script errors: ${page.errors.join(' | ')}`);
    if (page.answers?.length) console.log(`  failed requests: ${page.answers.slice(-15).join(' | ')}`);
    await shot(page, 'failure');
  } catch (e) {
    console.log(`  (could not describe the page: ${e})`);
  }
  throw error;
}

// A shop page fetches its islands' wasm when the shopper starts to use it (`public/islands.js`):
// a pointer over the page, as a shopper's hand or mouse would be, wakes them; the loader marks
// the document once they are hydrated. (The back office loads its islands at once.)
// The loader is a deferred script: a pointer that arrives before it ran is not seen, so the
// pointer moves again until the islands are awake. True when the page had lazy islands to wake
// (the Lighthouse bench uses it too).
// Opens `url` and waits until the network is idle. Under a loaded test machine a page once took
// over 30 s to settle (two browser tests on the same page while another file ran): one more try,
// so a page that never settles still fails.
export async function gotoIdle(page, url) {
  try {
    return await page.goto(url, { waitUntil: 'networkidle' });
  } catch (e) {
    if (e.name !== 'TimeoutError') throw e;
    console.log(`· ${url} was not idle within 30 s; trying once more`);
    return await page.goto(url, { waitUntil: 'networkidle' });
  }
}

export async function wake(page) {
  await page.waitForLoadState('domcontentloaded');
  if (!(await page.$('script[data-bundle]') && await page.$('leptos-island'))) {
    await page.dispatchEvent('body', 'pointerover');
    return false;
  }
  for (let tries = 0; ; tries++) {
    await page.dispatchEvent('body', 'pointerover');
    try {
      await page.waitForSelector('html[data-islands=awake]', { timeout: 1000 });
      return true;
    } catch (e) {
      if (tries >= 20) throw new Error(`the islands did not wake: ${(page.errors || []).join('; ') || e}`);
    }
  }
}

// A product with two options and something in stock, found through the search API: its slug.
export async function productWithTwoOptions(base) {
  for (const q of ['jacket', 'hoodie', 't-shirt', 'running']) {
    const hits = (await (await fetch(`${base}/api/search?q=${q}&limit=20`)).json()).hits;
    for (const h of hits) {
      const html = await (await fetch(`${base}${h.url}`)).text();
      if ((html.match(/<fieldset class="option">/g) || []).length >= 2) return h.slug;
    }
  }
  throw new Error('no product with two options found');
}

export async function shot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

// axe (WCAG 2.1 A and AA, best practice) on each `[path, ready testid, selector to wait for]` at
// each width, with the given cookies (CSP bypassed only to inject axe): the violations, a line each.
export async function axeProblems(base, cookies, pages, widths = [390, 1440]) {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  const run = await launch({ viewport: { width: widths[0], height: 900 }, bypassCSP: true });
  await run.page.context().addCookies(cookies);
  const problems = [];
  try {
    for (const [path, testid, also] of pages) {
      for (const width of widths) {
        await run.page.setViewportSize({ width, height: 900 });
        // Loaded, then ready by the page's own mark (`data-ready`): waiting for the network to be
        // idle timed out on a loaded machine while the page was already drawn.
        await run.page.goto(base + path, { waitUntil: 'load', timeout: 60000 });
        await wake(run.page);
        await run.page.waitForSelector(`[data-testid=${testid}][data-ready="true"]`, { timeout: 20000 });
        if (also) await run.page.waitForSelector(also, { timeout: 20000 });
        await run.page.waitForTimeout(500);
        await run.page.addScriptTag({ path: axePath });
        const result = await run.page.evaluate(() => window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
        }));
        for (const v of result.violations) {
          problems.push(`${width}px ${path}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
        }
      }
    }
  } finally {
    await run.browser.close();
  }
  return problems;
}
