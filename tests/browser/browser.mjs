// Shared launcher: Debian's chromium through playwright-core (no browser downloads here).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export async function launch({ javaScriptEnabled = true, viewport = { width: 390, height: 844 }, bypassCSP = false } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    // playwright gives every launch a fresh temporary profile.
  });
  const context = await browser.newContext({ javaScriptEnabled, viewport, bypassCSP });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // HTTP errors the page handles itself (e.g. a 422 shown as inline errors) are logged by the
  // browser as 'Failed to load resource'; only script errors count.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.errors = errors;
  return { browser, page };
}

export async function shot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
