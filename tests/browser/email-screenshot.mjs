// Renders an email's HTML part in Chromium at phone width (scripts off, as mail clients do) and
// saves a full-page screenshot. Usage: node email-screenshot.mjs FILE.html OUT.png
import { explain, launch } from './browser.mjs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const [html, out] = process.argv.slice(2);
mkdirSync(dirname(out), { recursive: true });
const { browser, page } = await launch({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
try {
  await page.goto(pathToFileURL(html).href);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`screenshot ${out}`);
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
