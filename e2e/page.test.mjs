// End-to-end: the built page (dist/) in Debian's Chromium, driven by playwright-core.
// Run with `node --test e2e/` after `cargo xtask dist` (cargo xtask test does both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { root, dist, serveDist, pcapscopeJson } from './support.mjs';

const corpus = path.resolve(root, '../shared/corpus');
const artifacts = path.join(root, 'target', 'e2e-artifacts');
const CHARTS = ['timeline', 'talkers', 'destinations', 'protocols', 'ports', 'sizes'];

let server, origin, context, requests = [];

/// What `pcapscope stats --json` says about a file (the native engine).
function nativeStats(file) {
  // Exit status 1 (damaged) still prints the JSON.
  return pcapscopeJson(['stats', '--json', file], { allowDamaged: true });
}

async function newPage() {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(origin + '/');
  await page.waitForFunction(() => window.wasmBindings !== undefined);
  return { page, errors };
}

async function openFile(page, file) {
  await page.setInputFiles('input[type=file][data-testid=file-input]', file);
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid=status]').dataset.state;
    return s === 'done' || s === 'error';
  }, null, { timeout: 60_000 });
}

async function metric(page, name) {
  return page.$eval(`[data-metric=${name}]`, (el) => el.dataset.value);
}

before(async () => {
  assert.ok(existsSync(path.join(dist, 'index.html')), 'dist/ is missing: run `cargo xtask dist` first');
  await mkdir(artifacts, { recursive: true });
  server = await serveDist();
  origin = `http://127.0.0.1:${server.address().port}`;
  context = await chromium.launchPersistentContext(await mkdtemp(path.join(tmpdir(), 'pcapscope-e2e-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  context.on('request', (r) => requests.push(r.url()));
});

after(async () => {
  await context?.close();
  server?.close();
});

test('the page loads with the test hooks in place and nothing to show yet', async () => {
  const { page, errors } = await newPage();
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'idle');
  // Charts draw in tasks of their own after start-up.
  await page.waitForFunction((names) => names.every((c) =>
    Number(document.querySelector(`canvas[data-chart=${c}]`).dataset.drawn) >= 1), CHARTS);
  for (const c of CHARTS) {
    const drawn = Number(await page.getAttribute(`canvas[data-chart=${c}]`, 'data-drawn'));
    assert.ok(drawn >= 1, `${c} draws its empty state`);
  }
  const csp = await page.$eval('meta[http-equiv=Content-Security-Policy]', (m) => m.content);
  assert.match(csp, /default-src 'self'/);
  assert.deepEqual(errors, []);
  await page.close();
});

const CORPUS_FILES = ['cs__http_espn.pcapng', 'zeek__http_1000-requests-one-dropped-response.pcap.gz',
  'rp__wireshark_samples-test_nsec.pcapng'];

for (const name of CORPUS_FILES) {
  test(`${name}: the page shows the numbers pcapscope stats gives`, { skip: !existsSync(corpus) && 'no ../shared/corpus' }, async () => {
    const file = path.join(corpus, name);
    const want = nativeStats(file);
    const { page, errors } = await newPage();
    await openFile(page, file);
    assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'done');
    assert.equal(Number(await metric(page, 'packets')), want.packets);
    assert.equal(Number(await metric(page, 'bytes')), want.bytes);
    const duration = Number(await metric(page, 'duration'));
    assert.ok(Math.abs(duration - Number(want.duration)) < 1e-6, `duration ${duration} vs ${want.duration}`);
    for (const c of CHARTS) {
      const drawn = Number(await page.getAttribute(`canvas[data-chart=${c}]`, 'data-drawn'));
      assert.ok(drawn >= 2, `${c} was drawn with data (data-drawn=${drawn})`);
    }
    assert.equal(await page.isHidden('[data-testid=error]'), true);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('a damaged file shows the error with the byte offset and keeps the packets before it', async () => {
  const file = path.join(root, 'fixtures', 'truncated-mid-record.pcap');
  const want = nativeStats(file);
  assert.equal(want.complete, false);
  const { page } = await newPage();
  await openFile(page, file);
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'error');
  const text = await page.textContent('[data-testid=error]');
  assert.ok(await page.isVisible('[data-testid=error]'));
  assert.ok(text.includes(want.error.offset.toLocaleString('en-US')), `error names byte ${want.error.offset}: ${text}`);
  assert.equal(Number(await metric(page, 'packets')), want.packets);
  await page.close();
});

test('a file that is not a capture gets a clear error', async () => {
  const { page } = await newPage();
  await openFile(page, path.join(root, 'fixtures', 'not-a-capture.txt'));
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'error');
  assert.match(await page.textContent('[data-testid=error]'), /not a pcap or pcapng file/);
  await page.close();
});

test('loading a second file replaces the first; the sample opens', async () => {
  const first = path.join(root, 'fixtures', 'http-get-ethernet.pcap');
  const second = path.join(root, 'fixtures', 'dns-query-response-ethernet-be.pcap');
  const { page, errors } = await newPage();
  await openFile(page, first);
  assert.equal(Number(await metric(page, 'packets')), nativeStats(first).packets);
  await openFile(page, second);
  assert.equal(Number(await metric(page, 'packets')), nativeStats(second).packets);
  assert.equal(await page.textContent('#file-name'), 'dns-query-response-ethernet-be.pcap');
  await page.click('[data-testid=sample]');
  await page.waitForFunction(() => document.querySelector('#file-name').textContent === 'sample.pcapng');
  await page.waitForFunction(() => document.querySelector('[data-testid=status]').dataset.state === 'done');
  assert.equal(Number(await metric(page, 'packets')), nativeStats(path.join(dist, 'sample.pcapng')).packets);
  assert.deepEqual(errors, []);
  await page.close();
});

test('once loaded, the page keeps working with the network off', async () => {
  const { page } = await newPage();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
  // The page says so once the worker is ready, which may be a moment after it takes control.
  await page.waitForSelector('#offline', { state: 'visible', timeout: 20_000 });
  const first = path.join(root, 'fixtures', 'http-get-ethernet.pcap');
  await openFile(page, first);
  await context.setOffline(true);
  try {
    await page.reload();
    await page.waitForFunction(() => window.wasmBindings !== undefined);
    const second = path.join(root, 'fixtures', 'tcp-handshake-ns.pcapng');
    await openFile(page, second);
    assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'done');
    assert.equal(Number(await metric(page, 'packets')), nativeStats(second).packets);
  } finally {
    await context.setOffline(false);
  }
  await page.close();
});

test('screenshots in light and dark (target/e2e-artifacts)', async () => {
  const file = existsSync(corpus) ? path.join(corpus, 'cs__http_espn.pcapng') : path.join(root, 'www', 'sample.pcapng');
  for (const scheme of ['light', 'dark']) {
    const { page } = await newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await openFile(page, file);
    await page.screenshot({ path: path.join(artifacts, `page-${scheme}.png`), fullPage: true });
    await page.close();
  }
});

test('no request ever leaves the local static server', () => {
  assert.ok(requests.length > 0);
  const foreign = requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, []);
});
