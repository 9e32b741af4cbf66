// End-to-end: the packet table, details, display filter, brushing and the URL fragment, in
// the built page (dist/) in Debian's Chromium. Run with `node --test e2e/` after
// `cargo xtask dist` (cargo xtask test does both).
//
// Expected counts are tshark 4.0's (`tshark -r FILE -Y FILTER | wc -l`), the same numbers
// tests/filter_corpus.rs keeps for the native filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root, browserSession, artifacts, openFile, viewReady, nativeFiltered } from './support.mjs';

const corpus = path.resolve(root, '../shared/corpus');
const ESPN = path.join(corpus, 'cs__http_espn.pcapng');
const skip = !existsSync(ESPN) && 'no ../shared/corpus';

const session = browserSession();
const newPage = session.newPage;

async function metric(page, name) {
  return page.$eval(`[data-metric=${name}]`, (el) => el.dataset.value);
}

async function applyFilter(page, text) {
  await page.fill('input[data-testid=filter]', text);
  await page.press('input[data-testid=filter]', 'Enter');
  await page.waitForFunction((t) => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && c.dataset.filter === t;
  }, text, { timeout: 30_000 });
}

test('the table shows the first packets and a selected row shows its layers and bytes', { skip }, async () => {
  const { page, errors } = await newPage();
  await openFile(page, ESPN);
  const rows = await page.$$eval('[data-testid=packet-table] [data-row]', (els) => els.map((e) => ({
    n: Number(e.dataset.row), cells: [...e.children].map((c) => c.textContent),
  })));
  assert.equal(rows[0].n, 1);
  assert.ok(rows.length > 5 && rows.length < 300, `a screenful of rows, not all: ${rows.length}`);
  // Frame 1 of this capture: a DNS query for www.espn.com (tshark: "Standard query 0x...").
  assert.equal(rows[0].cells[2], '172.16.0.122');
  assert.equal(rows[0].cells[4], 'DNS');
  assert.match(rows[0].cells[6], /^Standard query 0x[0-9a-f]{4} A www\.espn\.com$/);
  assert.equal(rows[0].cells[1], '0.000000');

  await page.click('[data-testid=packet-table] [data-row="6"]');
  await page.waitForFunction(() => document.querySelector('[data-testid=packet-detail]').dataset.number === '6');
  const detail = await page.textContent('[data-testid=packet-detail]');
  assert.match(detail, /Internet Protocol Version 4, Src: 172\.16\.0\.122/);
  assert.match(detail, /Transmission Control Protocol/);
  assert.match(detail, /Hypertext Transfer Protocol/);
  assert.match(detail, /0000 {2}00 /, 'hex dump with offsets');

  // Selecting a field highlights its bytes, and copy-as-filter fills the filter box.
  await page.click('#detail-tree summary:has-text("Internet Protocol Version 4")');
  await page.click('#detail-tree [data-filter^="ip.src =="]');
  const marked = await page.$$eval('#detail-hex mark', (m) => m.map((e) => e.textContent).join(' '));
  assert.match(marked, /ac 10 00 7a/, 'the source address bytes are marked');
  await page.click('[data-testid=copy-filter]');
  assert.equal(await page.inputValue('input[data-testid=filter]'), 'ip.src == 172.16.0.122');

  // Keyboard: End selects the last packet; the DOM still holds only a screenful of rows.
  await page.focus('[data-testid=packet-table]');
  await page.keyboard.press('End');
  await page.waitForSelector('[data-testid=packet-table] [data-row="956"][aria-selected=true]');
  await page.waitForFunction(() => document.querySelector('[data-testid=packet-detail]').dataset.number === '956');
  await page.keyboard.press('ArrowUp');
  await page.waitForSelector('[data-testid=packet-table] [data-row="955"][aria-selected=true]');
  assert.ok(await page.$$eval('[data-testid=packet-table] .prow', (r) => r.length) < 300);
  await page.screenshot({ path: path.join(artifacts, 'packets-light.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a filter narrows every view to the tshark count, errors point at the column, the URL keeps it', { skip }, async () => {
  const { page, errors } = await newPage();
  await openFile(page, ESPN);
  assert.equal(await metric(page, 'packets'), '956');

  // As the person types: the error and its column.
  await page.fill('input[data-testid=filter]', 'ip.sorce == 1.2.3.4');
  const err = await page.$eval('[data-testid=filter-error]', (e) => ({ hidden: e.hidden, col: e.dataset.column, text: e.textContent }));
  assert.equal(err.hidden, false);
  assert.equal(err.col, '1');
  assert.match(err.text, /ip\.src/);
  await page.fill('input[data-testid=filter]', 'tcp.port == 80 &&');
  assert.equal(await page.$eval('[data-testid=filter-error]', (e) => e.dataset.column), '18', 'just past the end');

  // tshark -r cs__http_espn.pcapng -Y 'ip.addr == 4.2.2.1' | wc -l  -> 28
  await applyFilter(page, 'ip.addr == 4.2.2.1');
  assert.equal(await metric(page, 'packets'), '28');
  assert.equal(await page.$eval('[data-testid=view-count]', (c) => c.dataset.matched), '28');
  const first = await page.$eval('[data-testid=packet-table] [data-row]', (e) => Number(e.dataset.row));
  assert.equal(first, 1);
  assert.equal(await page.$eval('[data-testid=packet-table]', (t) => t.dataset.rows), '28');
  // Every chart followed: drawn again after the filter.
  const drawn = await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => Number(c.dataset.drawn)));
  assert.ok(drawn.every((d) => d >= 2), `charts redrawn: ${drawn}`);

  // frame.len > 1000 -> 395 (tshark)
  await applyFilter(page, 'frame.len > 1000');
  assert.equal(await metric(page, 'packets'), '395');
  assert.match(page.url(), /#filter=frame\.len%20%3E%201000/);

  // Reload with the fragment, open the same file: the view comes back.
  const url = page.url();
  const { page: again } = await newPage(url.slice(url.indexOf('#')));
  assert.equal(await again.inputValue('input[data-testid=filter]'), 'frame.len > 1000');
  await again.setInputFiles('input[type=file][data-testid=file-input]', ESPN);
  await again.waitForFunction(() => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && c.dataset.filter === 'frame.len > 1000';
  }, null, { timeout: 60_000 });
  assert.equal(await metric(again, 'packets'), '395');
  await again.close();

  // Clear resets.
  await page.click('[data-testid=filter-clear]');
  await page.waitForFunction(() => document.querySelector('[data-testid=view-count]').dataset.filter === '');
  assert.equal(await metric(page, 'packets'), '956');
  assert.deepEqual(errors, []);
  await page.close();
});

test('dragging across the timeline sets a time window that every view follows', { skip }, async () => {
  const { page, errors } = await newPage();
  await openFile(page, ESPN);
  const box = await page.$eval('canvas[data-chart=timeline]', (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height };
  });
  await page.$eval('canvas[data-chart=timeline]', (c) => c.scrollIntoView());
  const r = await page.$eval('canvas[data-chart=timeline]', (c) => {
    const b = c.getBoundingClientRect();
    return { x: b.left, y: b.top, w: b.width, h: b.height };
  });
  assert.ok(box.w > 100);
  await page.mouse.move(r.x + r.w * 0.3, r.y + r.h * 0.5);
  await page.mouse.down();
  await page.mouse.move(r.x + r.w * 0.6, r.y + r.h * 0.5, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && /frame\.time_relative >= /.test(c.dataset.filter);
  }, null, { timeout: 30_000 });
  const filter = await page.inputValue('input[data-testid=filter]');
  const m = filter.match(/^frame\.time_relative >= ([\d.]+) && frame\.time_relative <= ([\d.]+)$/);
  assert.ok(m, filter);
  assert.ok(Number(m[1]) < Number(m[2]));
  const packets = Number(await metric(page, 'packets'));
  assert.ok(packets > 0 && packets < 956, `the window keeps part of the capture: ${packets}`);
  assert.equal(packets, nativeFiltered(ESPN, filter).packets, 'the same count natively');

  // Clicking a bar in top talkers adds its term to the window: find a bar by its hover readout.
  await page.$eval('canvas[data-chart=talkers]', (c) => c.scrollIntoView());
  const t = await page.$eval('canvas[data-chart=talkers]', (c) => {
    const b = c.getBoundingClientRect();
    return { x: b.left, y: b.top, w: b.width, h: b.height };
  });
  let clicked = false;
  for (let f = 0.1; f < 0.9 && !clicked; f += 0.04) {
    await page.mouse.move(t.x + t.w * 0.5, t.y + t.h * f);
    if (await page.$eval('#tooltip', (e) => !e.hidden)) {
      await page.mouse.click(t.x + t.w * 0.5, t.y + t.h * f);
      clicked = true;
    }
  }
  assert.ok(clicked, 'a bar with a readout');
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && /ip\.src == /.test(c.dataset.filter);
  }, null, { timeout: 30_000 });
  const both = await page.inputValue('input[data-testid=filter]');
  assert.match(both, /^frame\.time_relative >= [\d.]+ && frame\.time_relative <= [\d.]+ && ip\.src == [\d.]+$/);
  assert.equal(Number(await metric(page, 'packets')), nativeFiltered(ESPN, both).packets);
  assert.deepEqual(errors, []);
  await page.close();
});

test('sorting by length puts the longest packet first when descending', { skip }, async () => {
  const { page } = await newPage();
  await openFile(page, ESPN);
  await page.click('.thead [data-sort=length]');
  await viewReady(page);
  await page.click('.thead [data-sort=length]');
  await page.waitForFunction(() => document.querySelector('.thead [data-sort=length]').getAttribute('aria-sort') === 'descending');
  await viewReady(page);
  await page.waitForFunction(() => document.querySelector('[data-testid=view-count]').dataset.state === 'ready');
  await page.waitForSelector('[data-testid=packet-table] [data-row]');
  const lens = await page.$$eval('[data-testid=packet-table] [data-row]', (els) => els.slice(0, 10).map((e) => Number(e.children[5].textContent)));
  assert.deepEqual([...lens].sort((a, b) => b - a), lens);
  assert.equal(lens[0], 1434, 'tshark: the longest frame is 1434 bytes');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(artifacts, 'packets-dark.png'), fullPage: true });
  await page.close();
});
