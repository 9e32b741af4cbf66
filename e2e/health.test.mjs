// End-to-end: the network health pane in the built page (dist/) in Debian's Chromium — the
// findings list names the scan in the SYN-scan capture and "Show packets" filters to it; the
// TCP figures equal the native engine's (which equal tshark's, see tests/tcp_analysis_corpus.rs)
// and follow the display filter; thresholds change the findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root, browserSession, artifacts, openFile, viewReady, nativeFiltered, pcapscopeJson } from './support.mjs';

const corpus = path.resolve(root, '../shared/corpus');
const SCAN = path.join(corpus, 'cs__synscan.pcapng');
const RETRANS = path.join(corpus, 'cs__tcp_retransmissions.pcapng');
const skip = !existsSync(SCAN) && 'no ../shared/corpus';

const session = browserSession();
const newPage = session.newPage;

/// Waits for the health report of the view asked for last.
async function healthReady(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=anomalies]').dataset.state === 'ready', null, { timeout: 30_000 });
}

async function healthValue(page, name) {
  return Number(await page.$eval(`[data-health=${name}]`, (el) => el.dataset.value));
}

async function viewCount(page) {
  return page.$eval('[data-testid=view-count]', (el) => ({ matched: Number(el.dataset.matched), filter: el.dataset.filter }));
}

test('the scan capture lists the port scan, and Show packets filters to its packets', { skip }, async () => {
  const { page, errors } = await newPage();
  await openFile(page, SCAN);
  await healthReady(page);
  const native = pcapscopeJson(['stats', '--json', SCAN]);
  const scan = native.findings.find((f) => f.kind === 'port-scan');
  assert.ok(scan, 'the native engine finds the scan');

  const row = page.locator('[data-testid=anomalies] [data-anomaly=port-scan]');
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute('data-severity'), scan.severity);
  assert.equal(Number(await row.getAttribute('data-count')), scan.count);
  const hosts = await row.locator('.hosts').innerText();
  for (const h of scan.hosts) assert.ok(hosts.includes(h), `${h} named in the row`);
  // Every finding of the native engine is listed, in the same order.
  const kinds = await page.$$eval('[data-testid=anomalies] [data-anomaly]', (rows) => rows.map((r) => r.dataset.anomaly));
  assert.deepEqual(kinds, native.findings.map((f) => f.kind));
  // The connection figures are the native engine's.
  assert.equal(await healthValue(page, 'connections'), native.tcp_analysis.connections.total);
  await page.screenshot({ path: path.join(artifacts, 'health-scan.png'), fullPage: true });

  await row.locator('[data-testid=show-packets]').click();
  await page.waitForFunction((t) => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && c.dataset.filter === t;
  }, scan.filter, { timeout: 30_000 });
  await viewReady(page);
  const want = nativeFiltered(SCAN, scan.filter).packets;
  assert.ok(want > 2 * scan.count, 'the scan is at least a SYN and an answer per port');
  assert.equal((await viewCount(page)).matched, want);
  assert.equal(await page.$eval('[data-metric=packets]', (el) => Number(el.dataset.value)), want);
  assert.equal(await page.inputValue('input[data-testid=filter]'), scan.filter);
  assert.deepEqual(errors, []);
  await page.close();
});

test('TCP figures equal the native analysis and follow the filter; a card shows its packets', { skip }, async () => {
  const { page, errors } = await newPage();
  await openFile(page, RETRANS);
  await healthReady(page);
  const native = pcapscopeJson(['stats', '--json', RETRANS]).tcp_analysis;
  assert.ok(native.retransmissions > 0, 'the capture has retransmissions');
  assert.equal(await healthValue(page, 'retransmissions'), native.retransmissions);
  assert.equal(await healthValue(page, 'duplicate-acks'), native.duplicate_acks);
  assert.equal(await healthValue(page, 'resets'), native.resets);

  // Clicking the card applies its filter; the figures are then the view's.
  await page.click('[data-health=retransmissions]');
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && c.dataset.filter === 'tcp.analysis.retransmission';
  }, null, { timeout: 30_000 });
  await viewReady(page);
  await healthReady(page);
  assert.equal((await viewCount(page)).matched, native.retransmissions);
  assert.equal(await healthValue(page, 'retransmissions'), native.retransmissions);
  assert.equal(await healthValue(page, 'duplicate-acks'), 0, 'no duplicate ACK is a retransmission here');
  // Every row shown is coloured as Bad TCP (Wireshark's rule).
  const colours = await page.$$eval('[data-testid=packet-table] [data-row]', (rows) => [...new Set(rows.map((r) => r.dataset.color))]);
  assert.deepEqual(colours, ['bad-tcp']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('changing a threshold changes the findings, and Defaults brings them back', { skip }, async () => {
  const { page, errors } = await newPage();
  await openFile(page, SCAN);
  await healthReady(page);
  const before = await page.$$eval('[data-testid=anomalies] [data-anomaly]', (rows) => rows.length);
  assert.ok(before > 0);
  await page.click('.thresholds summary');
  // At most zero findings of each kind: none are listed, and the empty note says why.
  await page.fill('[data-threshold=max_findings_per_kind]', '0');
  await page.dispatchEvent('[data-threshold=max_findings_per_kind]', 'change');
  await page.waitForFunction(() => document.querySelector('[data-testid=anomalies]').dataset.count === '0', null, { timeout: 30_000 });
  assert.equal(await page.isVisible('#anomalies-empty'), true);
  await page.click('#thresholds-reset');
  await page.waitForFunction((n) => document.querySelector('[data-testid=anomalies]').dataset.count === String(n), before, { timeout: 30_000 });
  assert.notEqual(await page.inputValue('[data-threshold=max_findings_per_kind]'), '0');
  assert.deepEqual(errors, []);
  await page.close();
});
