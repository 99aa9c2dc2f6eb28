// The analytics and health pages in Chromium, as the merchant opens them: sign in, choose a date
// range, the KPIs, each chart (an SVG with title and description) with its data table, each table
// downloads as CSV with the same values; axe finds nothing at phone and desktop widths;
// screenshots of both pages at 390 and 1440.
import { axeProblems, explain, launch, shot } from './browser.mjs';
import { readFileSync } from 'node:fs';

const base = process.env.BASE_URL;
const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const [ownerLink, from, to] = ['OWNER_LINK', 'FROM', 'TO'].map(env);
const step = (s) => console.log('·', s);

const { browser, page } = await launch({ viewport: { width: 1440, height: 900 } });
const ready = (id) => page.waitForSelector(`[data-testid=${id}][data-ready="true"]`, { timeout: 20000 });

// RFC 4180 lines → cells (quotes, doubled quotes, commas inside quotes).
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r') continue;
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

try {
  await page.goto(ownerLink, { waitUntil: 'load' });
  await page.waitForURL(`${base}/admin/`, { timeout: 20000 });
  await page.goto(`${base}/admin/analytics/`, { waitUntil: 'load' });
  await ready('analytics');
  await page.waitForSelector('[data-testid=kpis] li', { timeout: 20000 });
  step('analytics page loaded (last 30 days by default)');

  // A chosen range: last 30 days ending on TO.
  await page.fill('input[name=from]', from);
  await page.fill('input[name=to]', to);
  await page.click('button:has-text("Show")');
  await page.waitForFunction(([f, t]) => document.querySelector('.period')?.textContent.startsWith(`${f} to ${t}`), [from, to], { timeout: 20000 });
  const revenue = await page.locator('[data-kpi=revenue] strong').textContent();
  if (!/[0-9]/.test(revenue)) throw new Error(`revenue KPI is empty: ${revenue}`);
  step(`range ${from}..${to}: revenue ${revenue}`);

  // Charts: labelled SVG, one mark per point, and a data table with as many rows.
  const charts = await page.locator('figure.chart-box').evaluateAll((figs) => figs.map((f) => {
    const svg = f.querySelector('svg');
    const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
    return {
      id: f.dataset.chart,
      role: svg.getAttribute('role'),
      title: ids[0] && document.getElementById(ids[0])?.textContent,
      desc: ids[1] && document.getElementById(ids[1])?.textContent,
      points: Number(svg.dataset.points),
      marks: svg.querySelectorAll('rect.bar').length || (svg.querySelector('polyline')?.getAttribute('points').trim().split(/\s+/).length ?? 0),
      rows: f.querySelectorAll('table.chart-data tbody tr').length,
      width: svg.getBoundingClientRect().width,
    };
  }));
  if (charts.length !== 3) throw new Error(`expected 3 charts, found ${JSON.stringify(charts)}`);
  for (const c of charts) {
    if (c.role !== 'img' || !c.title || !c.desc) throw new Error(`chart ${c.id} is not labelled: ${JSON.stringify(c)}`);
    if (c.points < 1 || c.marks !== c.points || c.rows !== c.points) throw new Error(`chart ${c.id} does not draw its data: ${JSON.stringify(c)}`);
    if (c.width < 200) throw new Error(`chart ${c.id} is ${c.width}px wide`);
  }
  step(`charts: ${charts.map((c) => `${c.id} (${c.points} points)`).join(', ')}`);
  await shot(page, 'admin-analytics-1440');

  // Every table's CSV holds what the table shows.
  const tables = await page.locator('section.report-table').evaluateAll((ss) => ss.map((s) => ({
    id: s.dataset.table,
    head: [...s.querySelectorAll('thead th')].map((th) => th.textContent.trim()),
    rows: [...s.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
  })));
  if (tables.length < 10) throw new Error(`only ${tables.length} tables`);
  for (const t of tables) {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15000 }),
      page.locator(`section[data-table="${t.id}"] a[data-testid=csv]`).click(),
    ]);
    const text = readFileSync(await download.path(), 'utf8');
    // A byte-order mark first, for Excel.
    if (!text.startsWith('\uFEFF')) throw new Error(`${t.id}: the CSV has no byte-order mark`);
    const csv = parseCsv(text.slice(1));
    const header = csv[0].map((h, i) => (t.head[i] || '').startsWith(h) ? t.head[i] : h);
    if (JSON.stringify(header) !== JSON.stringify(t.head) && t.rows.length) throw new Error(`${t.id}: CSV header ${csv[0]} vs ${t.head}`);
    const body = csv.slice(1).map((r) => r.map((c) => c.trim()));
    if (JSON.stringify(body) !== JSON.stringify(t.rows)) {
      throw new Error(`${t.id}: CSV rows differ from the table:\n${JSON.stringify(body.slice(0, 3))}\n${JSON.stringify(t.rows.slice(0, 3))}`);
    }
  }
  step(`${tables.length} tables: each CSV matches its table`);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await shot(page, 'admin-analytics-390');

  await page.goto(`${base}/admin/health/`, { waitUntil: 'load' });
  await ready('health');
  await page.waitForSelector('section[data-table=routes] tbody tr', { timeout: 20000 });
  step(`health: ${await page.locator('section[data-table=routes] tbody tr').count()} routes`);
  await shot(page, 'admin-health-390');
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, 'admin-health-1440');

  // axe at both widths.
  const problems = await axeProblems(base, await page.context().cookies(),
    [['/admin/analytics/', 'analytics', '[data-testid=kpis] li'], ['/admin/health/', 'health', '[data-testid=kpis] li']]);
  if (problems.length) throw new Error('axe violations:\n' + problems.join('\n'));
  step('axe: no violations on analytics and health at 390 and 1440');
  if (page.errors.length) throw new Error('script errors: ' + page.errors.join('\n'));
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
