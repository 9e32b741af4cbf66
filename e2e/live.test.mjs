// End-to-end: the live view. `pcapscope capture -i lo --live` serves the built page (dist/) and
// streams the capture over a WebSocket; the page, opened at the address it prints, shows the
// packets as they arrive, and after "Stop viewing" (or the end of the capture) works on the
// capture as on a file: the display filter finds exactly the datagrams this test sent, and
// "Save capture" downloads them.
//
// Capturing needs root (or CAP_NET_RAW): otherwise the tests are skipped, saying so. Nothing is
// built here: run `cargo build -p pcapscope-cli` and `cargo xtask dist` first (cargo xtask test
// does both).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root, dist, browserSession, newPage, viewReady, pcapscopeJson, artifacts } from './support.mjs';

const bin = path.join(root, 'target', 'debug', 'pcapscope');
const skip = process.getuid?.() !== 0
  ? 'capturing on lo needs root: run the end-to-end tests as root to test the live view'
  : !existsSync(bin) ? 'no target/debug/pcapscope (cargo build -p pcapscope-cli)'
  : !existsSync(path.join(dist, 'index.html')) ? 'no dist/ (cargo xtask dist)'
  : false;
if (skip) console.log(`# SKIP live view: ${skip}`);

const session = browserSession();
/// The capture process, and where it writes.
let capture = null;
let tmp = null;

/// Ends the capture (SIGTERM, then SIGKILL after `ms`); resolves with its exit code.
function stopCapture(ms = 5000) {
  const p = capture;
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p?.exitCode ?? null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
    p.once('exit', (code) => { clearTimeout(timer); resolve(code); });
    p.kill('SIGTERM');
  });
}

after(async () => {
  await stopCapture();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/// Starts `pcapscope capture -i lo --live` with capture filter `bpf`; resolves with the
/// address it prints (`http://127.0.0.1:PORT/#live=TOKEN`).
function startCapture(file, bpf) {
  capture = spawn(bin, ['capture', '-i', 'lo', '--live', '--port', '0', '--dist', dist,
    '-w', file, '-q', '-a', 'duration:300', bpf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 20 s: ${err}`)), 20_000);
    capture.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/open (http:\/\/127\.0\.0\.1:\d+\/#live=[0-9a-f]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    capture.stdout.resume();
    capture.once('exit', (code) => { clearTimeout(timer); reject(new Error(`pcapscope exited (${code}): ${err}`)); });
  });
}

/// Sends `n` UDP datagrams to 127.0.0.1:`port`, in bursts, from a second socket.
async function sendDatagrams(port, n, tag) {
  const tx = createSocket('udp4');
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => tx.send(Buffer.from(`pcapscope live ${tag} ${i}`), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 150));
  }
  tx.close();
}

const state = (page, id) => page.$eval(`[data-testid=${id}]`, (el) => el.dataset.state);
const metric = (page, name) => page.$eval(`[data-metric=${name}]`, (el) => Number(el.dataset.value ?? 0));

async function waitFor(page, fn, arg, what, timeout = 30_000) {
  try {
    await page.waitForFunction(fn, arg, { timeout });
  } catch (e) {
    const live = await page.$eval('[data-testid=live]', (el) => `${el.dataset.state}: ${el.textContent.trim().replace(/\s+/g, ' ')}`);
    const status = await page.$eval('[data-testid=status]', (el) => `${el.dataset.state}: ${el.textContent.trim().replace(/\s+/g, ' ')}`);
    throw new Error(`${what}: ${e.message}\nlive line: ${live}\nstatus: ${status}`);
  }
}

/// Applies a display filter; the number of packets it keeps.
async function filtered(page, text) {
  await page.fill('input[data-testid=filter]', text);
  await page.press('input[data-testid=filter]', 'Enter');
  await waitFor(page, (t) => {
    const c = document.querySelector('[data-testid=view-count]');
    return c.dataset.state === 'ready' && c.dataset.filter === t;
  }, text, `the view of ${text}`);
  return page.$eval('[data-testid=view-count]', (el) => Number(el.dataset.matched));
}

test('the live view shows the capture as it comes, and works on it once stopped', { skip, timeout: 180_000 }, async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'pcapscope-live-'));
  // A receiver, so that the datagrams are not answered by ICMP "port unreachable".
  const rx = createSocket('udp4');
  await new Promise((r) => rx.bind(0, '127.0.0.1', r));
  rx.on('message', () => {});
  const port = rx.address().port;
  try {
    const url = await startCapture(path.join(tmp, 'written.pcapng'), 'udp');
    const origin = url.slice(0, url.indexOf('/#'));
    const token = url.slice(url.indexOf('#live=') + 6);
    const { page, errors } = await newPage(session.context, origin, url.slice(origin.length + 1));

    await waitFor(page, () => document.querySelector('[data-testid=live]').dataset.state === 'live', null, 'connected');
    assert.ok(!page.url().includes(token), `the token is taken out of the address: ${page.url()}`);
    assert.ok(!(await page.content()).includes(token), 'the token is nowhere in the page');
    assert.match(await page.textContent('[data-testid=live]'), /Live capture on lo \(capture filter: udp\)/);

    // Packets appear while the capture runs (the status stays "loading").
    const sent = 25;
    await sendDatagrams(port, sent, 'a');
    await waitFor(page, (n) => Number(document.querySelector('[data-metric=packets]').dataset.value ?? 0) >= n, sent, 'the packets counted');
    assert.equal(await state(page, 'status'), 'loading');
    await waitFor(page, (n) => Number(document.querySelector('[data-testid=live]').dataset.packets ?? 0) >= n, sent, 'the capture\'s own count');
    assert.ok(Number(await page.getAttribute('canvas[data-chart=timeline]', 'data-drawn')) > 1, 'the timeline redrawn as packets came');

    // Stop viewing: the capture is then read to its end as a file.
    await page.click('[data-testid=live-stop]');
    await waitFor(page, () => document.querySelector('[data-testid=status]').dataset.state === 'done', null, 'done after Stop');
    assert.equal(await state(page, 'live'), 'ended');
    await viewReady(page);
    assert.ok(await metric(page, 'packets') >= sent);
    assert.equal(await filtered(page, `udp.port == ${port}`), sent, 'exactly the datagrams sent');
    await page.click('[data-testid=packet-table] [data-row]');
    await waitFor(page, () => document.querySelector('[data-testid=packet-detail]').dataset.number !== undefined, null, 'a datagram\'s details');
    assert.match(await page.textContent('[data-testid=packet-detail]'), /User Datagram Protocol/);
    await page.screenshot({ path: path.join(artifacts, 'live-stopped.png'), fullPage: true });

    // Save capture: the same datagrams in a file the native binary reads.
    await page.waitForSelector('[data-testid=live-save]:not([hidden])');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=live-save]')]);
    assert.equal(download.suggestedFilename(), 'live-lo.pcapng');
    const saved = path.join(tmp, 'saved.pcapng');
    await download.saveAs(saved);
    assert.equal(pcapscopeJson(['stats', '--json', '-Y', `udp.port == ${port}`, saved]).packets, sent);
    assert.deepEqual(errors, []);
    // The page's Content-Security-Policy (connect-src 'self') let the socket to its own origin
    // through; it is in force: a socket to another port of the same host is refused.
    const refused = await page.evaluate(() => new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
      try { new WebSocket(`ws://${location.hostname}:9/live`); } catch (e) { resolve(`${e.name}`); }
      setTimeout(() => resolve('allowed'), 3000);
    }));
    assert.match(refused, /connect-src|SecurityError/);
    await page.close();

    // Another viewer (one at a time: the first has left), until the capture itself ends.
    const second = await newPage(session.context, origin, url.slice(origin.length + 1));
    await waitFor(second.page, () => document.querySelector('[data-testid=live]').dataset.state === 'live', null, 'connected again');
    await sendDatagrams(port, 12, 'b');
    await waitFor(second.page, () => Number(document.querySelector('[data-metric=packets]').dataset.value ?? 0) >= 12, null, 'the second viewer\'s packets');
    await stopCapture();
    await waitFor(second.page, () => document.querySelector('[data-testid=status]').dataset.state === 'done', null, 'done at the end of the capture');
    assert.equal(await state(second.page, 'live'), 'ended');
    assert.match(await second.page.textContent('[data-testid=live]'), /the capture stopped/);
    await viewReady(second.page);
    assert.equal(await filtered(second.page, `udp.port == ${port}`), 12, 'what came while it viewed');
    assert.deepEqual(second.errors, []);
    // And the file the capture wrote has every datagram.
    assert.equal(pcapscopeJson(['stats', '--json', '-Y', `udp.port == ${port}`, path.join(tmp, 'written.pcapng')]).packets, sent + 12);
  } finally {
    rx.close();
  }
});
