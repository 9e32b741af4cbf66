// End-to-end: "who talks to whom, when, and where" in the built page (dist/) in Debian's
// Chromium — the four views are computed only once their section is shown, the map places the
// capture's web server in its country with the bundled database, the matrix's first pair (its
// table row, and its cell on the canvas) filters to that pair's packets as the native engine
// counts them, the views follow the filter, exports download, and a dropped .mmdb replaces the
// database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root, dist, browserSession, artifacts, openFile, viewReady, nativeFiltered } from './support.mjs';

const corpus = path.resolve(root, '../shared/corpus');
// 172.16.0.122 fetching www.espn.com (205.234.218.129, in the United States) and its DNS.
const ESPN = path.join(corpus, 'cs__http_espn.pcapng');
const DB = path.join(dist, 'geo', 'geo-whois-asn-country.mmdb');
const skip = (!existsSync(ESPN) && 'no ../shared/corpus') || (!existsSync(DB) && 'no dist/geo (cargo xtask dist)');
const CHARTS = ['heatmap-time', 'heatmap-matrix', 'graph', 'map'];

const session = browserSession();

async function drawn(page, chart) {
  return Number(await page.getAttribute(`canvas[data-chart=${chart}]`, 'data-drawn'));
}

/// Waits until the view of `filter` is shown.
async function filtered(page, filter) {
  await page.waitForFunction((t) => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && c.dataset.filter === t;
  }, filter, { timeout: 30_000 });
  await viewReady(page);
}

async function packets(page) {
  return page.$eval('[data-metric=packets]', (el) => Number(el.dataset.value));
}

/// Waits until the matrix is drawn from a result with `test(pairs)` pairs.
async function matrixDrawn(page, min, max) {
  await page.waitForFunction(([lo, hi]) => {
    const c = document.querySelector('canvas[data-chart=heatmap-matrix]');
    const n = Number(c.dataset.pairs);
    return c.dataset.hit0 && n >= lo && n <= hi;
  }, [min, max], { timeout: 30_000 });
}

test('traffic views: lazy, placed on the map, and a matrix pair filters to its packets', { skip }, async () => {
  const { page, errors } = await session.newPage();
  await openFile(page, ESPN);
  // Below the fold nothing is computed: loading a file never waits for these views.
  for (const v of ['time', 'matrix', 'graph', 'map']) {
    assert.equal(await page.getAttribute(`figure[data-view=${v}]`, 'data-state'), 'idle', v);
  }
  for (const c of CHARTS) assert.equal(await drawn(page, c), 0, c);

  await page.locator('#traffic').scrollIntoViewIfNeeded();
  await page.waitForFunction((names) => names.every((c) =>
    Number(document.querySelector(`canvas[data-chart=${c}]`).dataset.drawn) >= 1), CHARTS, { timeout: 60_000 });
  // The bundled database, loaded on first use, places the web server in the United States.
  await page.waitForSelector('table[data-table=map] tr[data-kind=country][data-key=US]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('[data-testid=geo-db]', 'data-source'), 'bundled');
  assert.match(await page.innerText('[data-testid=geo-db]'), /ip-location-db.*built \d{4}-\d\d-\d\d.*CC0/);
  // The client's private address is listed apart from the countries.
  assert.ok(await page.locator('table[data-table=map] tr[data-kind=apart]').count() >= 1);
  assert.ok(await page.locator('table[data-table=time] tbody tr').count() >= 2);
  assert.ok(await page.locator('table[data-table=graph] tbody tr[data-key="205.234.218.129"]').count() === 1);
  await page.screenshot({ path: path.join(artifacts, 'traffic.png'), fullPage: true });

  // Exports: the matrix's table as CSV, the map as SVG.
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.click('figure[data-view=matrix] [data-export=csv]'),
  ]);
  assert.equal(csv.suggestedFilename(), 'pcapscope-heatmap-matrix.csv');
  assert.match(readFileSync(await csv.path(), 'utf8'), /^source,destination,packets,bytes,filter\r?\n/);
  const [svg] = await Promise.all([
    page.waitForEvent('download'),
    page.click('figure[data-view=map] [data-export=svg]'),
  ]);
  assert.match(readFileSync(await svg.path(), 'utf8'), /<svg[^>]*>/);

  // The first row of the matrix's table: its pair, counted as the native engine does.
  await matrixDrawn(page, 2, 1e9);
  const row = page.locator('table[data-table=matrix] tbody tr').first();
  const pair = await row.getAttribute('data-filter');
  assert.match(pair, /^ip\.src == \S+ && ip\.dst == \S+$/);
  const want = nativeFiltered(ESPN, pair).packets;
  assert.ok(want > 0);
  await row.click();
  await filtered(page, pair);
  assert.equal(await packets(page), want);
  // Every view follows the filter: one pair left in the matrix, one source and destination.
  await matrixDrawn(page, 1, 1);
  assert.equal(await page.locator('table[data-table=matrix] tbody tr').count(), 1);

  // Back to every packet, then the same pair's cell on the canvas.
  await page.click('[data-testid=filter-clear]');
  await filtered(page, '');
  await matrixDrawn(page, 2, 1e9);
  const hit = await page.getAttribute('canvas[data-chart=heatmap-matrix]', 'data-hit0');
  const [x, y, ...rest] = hit.split(',');
  assert.equal(rest.join(','), pair, 'the first pair\'s cell applies the first row\'s filter');
  await page.locator('canvas[data-chart=heatmap-matrix]').click({ position: { x: Number(x), y: Number(y) } });
  await filtered(page, pair);
  assert.equal(await packets(page), want);

  // A .mmdb the person chooses replaces the bundled database for the session.
  await page.setInputFiles('input[data-testid=geo-db-input]', DB);
  await page.waitForFunction(() => document.querySelector('[data-testid=geo-db]').dataset.source === 'user', null, { timeout: 30_000 });
  assert.match(await page.innerText('[data-testid=geo-db]'), /geo-whois-asn-country\.mmdb/);
  await page.waitForSelector('table[data-table=map] tr[data-key=US]', { timeout: 30_000 });
  assert.deepEqual(errors, []);
  await page.close();
});
