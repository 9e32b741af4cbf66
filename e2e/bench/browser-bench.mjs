// The in-browser half of `cargo xtask bench` (xtask/src/bench_browser.rs runs it; it also runs
// on its own):
//
//   node e2e/bench/browser-bench.mjs FILE [--runs N] [--chunk BYTES] [--out RESULT.json]
//                                         [--trace TRACE.json] [--no-probe] [--profile-canvas]
//                                         [--tuning JSON]
//
// Serves dist/ (the built page) and e2e/bench/ (the raw-read page) from two static servers on
// 127.0.0.1 (two origins, so the page's service worker never sees the raw-read page), and
// drives Debian's /usr/bin/chromium (or $CHROMIUM) with playwright-core. Each run, alternately:
//
// - raw read: rawread.html posts the File to a worker that reads it with FileReaderSync over
//   16 MiB File.slice chunks and does nothing else (the browser's physical read limit);
// - pcapscope: a fresh page loads the File through its file input, and the harness reads the
//   page's performance marks (pcapscope-open, pcapscope-first-chart, pcapscope-done),
//   body[data-wasm-memory], [data-metric=packets], and the long tasks a PerformanceObserver
//   ({type: 'longtask', buffered: true}) registered before navigation saw.
//
// The File is set by path: Playwright hands a local browser the path (CDP
// DOM.setFileInputFiles), so Chromium makes a disk-backed File and nothing is copied; the
// harness checks this once per run (time and memory of setInputFiles on an idle input) and
// reports it.
//
// --tuning '{"chunk": BYTES, "ahead": N, "pause": BYTES}' sets the worker's reading parameters
// (src/web/load.rs, `Tuning`) to compare settings without a rebuild.
//
// Unless --no-probe is given, the worker's reads are timed (FileReaderSync calls, and every
// Blob.arrayBuffer() from the call to its settling), with the `pcapscope-load` mark the worker
// leaves at the end (its waits for reads, pauses, synchronous reads); an init script also wraps the page's worker message handler (its
// `onmessage` setter) to time every message the main thread handles, and notes the first
// canvas getContext() and the first setAttribute() in each, which splits a message's time into
// deserialization (before the first DOM write), the summary/progress DOM updates, and chart
// drawing (from the first getContext, the first of six charts, to the end). This costs two
// performance.now() calls per DOM call, and attributes each long task to the work inside it.
// If the page sets no pcapscope-first-chart mark, the end of the first message that drew the
// charts with data stands in for it (and the result says so).
//
// The result (JSON) goes to --out, or to stdout; progress goes to stderr. It never fails on
// speed; it exits non-zero only if the harness itself cannot measure (no page, no `done`).

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync, statSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dist = path.join(root, 'dist');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.pcapng': 'application/octet-stream', '.json': 'application/json',
};
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1400, height: 1000 };
const MIB = 1024 * 1024;

function usage(msg) {
  if (msg) console.error(`browser-bench: ${msg}`);
  console.error('usage: node e2e/bench/browser-bench.mjs FILE [--runs N] [--chunk BYTES] [--out RESULT.json] [--trace TRACE.json] [--no-probe] [--profile-canvas] [--tuning JSON]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { runs: 3, chunk: 16 * MIB, out: null, trace: null, probe: true, file: null, canvas: false, tuning: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--runs') o.runs = Math.max(1, Number.parseInt(next(), 10) || 1);
    else if (a === '--chunk') o.chunk = Number.parseInt(next(), 10);
    else if (a === '--out') o.out = next();
    else if (a === '--trace') o.trace = next();
    else if (a === '--no-probe') o.probe = false;
    else if (a === '--profile-canvas') o.canvas = true;
    else if (a === '--tuning') {
      const t = next();
      try { o.tuning = JSON.parse(t); } catch { usage(`--tuning ${t} is not JSON`); }
    }
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (!o.file) o.file = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!o.file) usage('no FILE');
  if (!(o.chunk > 0)) usage('--chunk must be a positive number of bytes');
  o.file = path.resolve(o.file);
  return o;
}

const log = (...a) => console.error('browser-bench:', ...a);

/// Prepended to the page's worker_loader.js when probing: times every FileReaderSync read, every
/// Blob.arrayBuffer() (from the call to its settling: the read in flight) and every postMessage
/// in the worker, and sends the lists to the page over a BroadcastChannel at the end, with the
/// detail of the worker's `pcapscope-load` mark (the page's own messages are left alone). Times
/// are absolute (timeOrigin + now).
const WORKER_PROBE = `(() => {
  const reads = [], fetches = [], posts = [];
  const abs = () => performance.timeOrigin + performance.now();
  const ch = new BroadcastChannel('pcapscope-bench');
  // The worker's reading helper (src/web/load.rs, READER_NAME) reports each read at once.
  const helper = self.name === 'pcapscope-reader';
  const read = FileReaderSync.prototype.readAsArrayBuffer;
  FileReaderSync.prototype.readAsArrayBuffer = function (blob) {
    const t = abs();
    const r = read.call(this, blob);
    if (helper) ch.postMessage({ helperRead: [t, abs() - t, r.byteLength] });
    else reads.push([t, abs() - t, r.byteLength]);
    return r;
  };
  const arrayBuffer = Blob.prototype.arrayBuffer;
  Blob.prototype.arrayBuffer = function () {
    const t = abs();
    const p = arrayBuffer.call(this);
    p.then((b) => fetches.push([t, abs() - t, b.byteLength]), () => fetches.push([t, abs() - t, -1]));
    return p;
  };
  // A [Global] interface's operations live on the global object itself, not its prototype.
  const post = self.postMessage;
  if (helper) {
    // Each answer: [when the helper began it (received, or done with the one before), how long
    // it took, bytes].
    const received = new Map();
    let last = 0;
    const desc = Object.getOwnPropertyDescriptor(self, 'onmessage') ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(self), 'onmessage');
    Object.defineProperty(self, 'onmessage', {
      configurable: true,
      get() { return desc.get.call(this); },
      set(fn) {
        desc.set.call(this, typeof fn !== 'function' ? fn : function (ev) {
          if (ev.data && ev.data.id !== undefined) received.set(ev.data.id, abs());
          return fn.call(this, ev);
        });
      },
    });
    self.postMessage = function (msg, ...rest) {
      if (msg && msg.id !== undefined && msg.len !== undefined) {
        const t = abs();
        const began = Math.max(received.get(msg.id) ?? t, last);
        received.delete(msg.id);
        last = t;
        ch.postMessage({ helperRead: [began, t - began, msg.len] });
      }
      return post.call(this, msg, ...rest);
    };
    return;
  }
  self.postMessage = function (msg, ...rest) {
    // Messages are JSON text ('"Ready"', '{"Progress":{...}}'): the variant is the first name.
    const kind = typeof msg === 'string' ? (/^\\{?"(\\w+)"/.exec(msg.slice(0, 40)) ?? [0, msg.slice(0, 20)])[1] : Object.keys(msg || {})[0];
    const t = abs();
    const r = post.call(this, msg, ...rest);
    posts.push([t, abs() - t, kind]);
    if (kind === 'Done' || kind === 'NotACapture' || kind === 'Crashed') {
      const marks = performance.getEntriesByName('pcapscope-load', 'mark');
      const load = marks.length ? marks[marks.length - 1].detail : null;
      ch.postMessage({ started: performance.timeOrigin, reads, fetches, posts, load });
    }
    return r;
  };
})();
`;

/// A static server for one directory (dist/ for the page, e2e/bench/ for the raw-read page).
/// `prefix`: prepended to worker_loader.js (the probe, the tuning).
function serve(dir, prefix = '') {
  return new Promise((resolve) => {
    const s = createServer(async (req, res) => {
      const url = new URL(req.url, 'http://x');
      const rel = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
      const file = path.join(dir, path.normalize(rel));
      if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
      try {
        let body = await readFile(file);
        if (prefix && rel === '/worker_loader.js') body = Buffer.concat([Buffer.from(prefix), body]);
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
        res.end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

/// Resident memory (bytes) of a process and all its descendants, from /proc.
function treeRss(rootPid) {
  if (!rootPid || !existsSync('/proc')) return null;
  const parent = new Map();
  const rss = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const pp = /^PPid:\s+(\d+)/m.exec(status);
      const vm = /^VmRSS:\s+(\d+) kB/m.exec(status);
      parent.set(Number(name), pp ? Number(pp[1]) : 0);
      rss.set(Number(name), vm ? Number(vm[1]) * 1024 : 0);
    } catch { /* gone */ }
  }
  let total = 0;
  for (const [pid, r] of rss) {
    for (let p = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) {
      if (p === rootPid) { total += r; break; }
    }
  }
  return total;
}

/// Runs in the pcapscope page before any of its scripts (page.addInitScript).
function initScript(probe) {
  const b = (window.__bench = { longtasks: [], loafs: [], messages: [], errors: [] });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push({ start: e.startTime, duration: e.duration, name: e.name });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    b.errors.push(`longtask observer: ${e}`);
  }
  try {
    // Long animation frames: the same long work, with the rendering (style, layout, paint) that
    // follows it; for the diagnosis only.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.loafs.push({
          start: e.startTime, duration: e.duration, renderStart: e.renderStart,
          styleAndLayoutStart: e.styleAndLayoutStart, blocking: e.blockingDuration,
          scripts: (e.scripts || []).map((s) => ({ invoker: s.invoker, start: s.startTime, duration: s.duration,
            forcedStyleAndLayout: s.forcedStyleAndLayoutDuration, fn: s.sourceFunctionName })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (e) {
    b.errors.push(`long-animation-frame observer: ${e}`);
  }
  if (!probe) return;
  try {
    // Kept referenced: a collected channel receives nothing.
    window.__benchChannel = new BroadcastChannel('pcapscope-bench');
    b.helperReads = [];
    window.__benchChannel.onmessage = (ev) => {
      if (ev.data.helperRead) b.helperReads.push(ev.data.helperRead);
      else b.worker = ev.data;
    };
  } catch (e) {
    b.errors.push(`BroadcastChannel: ${e}`);
  }
  // The message being handled, if any: {t0, firstDom, ctx: [times of getContext calls]}.
  let cur = null;
  const now = () => performance.now();
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (...args) {
    if (cur) cur.ctx.push(now());
    return getContext.apply(this, args);
  };
  if (probe === 'canvas') {
    // Every 2D context call, counted and timed per message (costly: --profile-canvas only).
    const proto = CanvasRenderingContext2D.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof d.value !== 'function' || name === 'constructor') continue;
      const f = d.value;
      proto[name] = function (...args) {
        if (!cur || !cur.canvas) return f.apply(this, args);
        const t = now();
        try {
          return f.apply(this, args);
        } finally {
          const e = (cur.canvas[name] ??= [0, 0]);
          e[0] += 1;
          e[1] += now() - t;
        }
      };
    }
  }
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (...args) {
    if (cur && cur.firstDom === null) cur.firstDom = now();
    return setAttribute.apply(this, args);
  };
  const desc = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage');
  Object.defineProperty(Worker.prototype, 'onmessage', {
    configurable: true,
    enumerable: desc.enumerable,
    get() { return desc.get.call(this); },
    set(fn) {
      const wrapped = typeof fn !== 'function' ? fn : function (ev) {
        const d = ev.data;
        // Messages are JSON text ('"Ready"', '{"Progress":{...}}'): the variant is the first name.
        const kind = typeof d === 'string' ? (/^\{?"(\w+)"/.exec(d.slice(0, 40)) ?? [0, d.slice(0, 20)])[1]
          : (d && typeof d === 'object' ? Object.keys(d)[0] : typeof d);
        const m = { t0: now(), firstDom: null, ctx: [], canvas: probe === 'canvas' ? {} : null };
        const outer = cur;
        cur = m;
        try {
          return fn.call(this, ev);
        } finally {
          cur = outer;
          const t1 = now();
          b.messages.push({ kind, t0: m.t0, t1, firstDom: m.firstDom, ctx: m.ctx, canvas: m.canvas });
        }
      };
      desc.set.call(this, wrapped);
    },
  });
}

/// Median of numbers (null-safe).
function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

let clockTicks = null;
/// CPU time (ms) used so far by each kind of Chromium thread, keyed "process type/thread name"
/// (e.g. "renderer/DedicatedWorker", "browser/ThreadPoolForegr"), from /proc/PID/task/*/stat.
/// Threads of processes that end between two snapshots are lost, so take both while the page
/// is open.
function cpuByThread() {
  if (!existsSync('/proc/self/task')) return null;
  if (clockTicks === null) {
    try { clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { clockTicks = 100; }
  }
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const pp = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      parent.set(Number(name), pp ? Number(pp[1]) : 0);
    } catch { /* gone */ }
  }
  const out = {};
  for (const pid of parent.keys()) {
    if (pid === process.pid) continue;
    let p = pid;
    for (let hops = 0; p && p !== process.pid && hops < 64; hops++) p = parent.get(p);
    if (p !== process.pid) continue;
    let type = 'browser';
    try {
      // Zygote children rewrite their command line into one string: match, do not split.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/i.test(cmd)) continue;
      const t = /--type=([\w-]+)/.exec(cmd);
      if (t) type = t[1];
    } catch { continue; }
    let tasks = [];
    try { tasks = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        const f = stat.slice(close + 2).split(' ');
        const ms = ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks; // utime + stime
        const key = `${type}/${comm}`;
        out[key] = (out[key] ?? 0) + ms;
      } catch { /* gone */ }
    }
  }
  return out;
}

/// CPU ms per thread kind between two cpuByThread() snapshots, largest first (>= 10 ms).
function cpuDelta(before, after) {
  if (!before || !after) return null;
  const d = Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v >= 10);
  d.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(d.map(([k, v]) => [k, Math.round(v)]));
}

/// Resident memory of the Chromium processes (this process's descendants: playwright-core runs
/// its server in this process, which launches the browser).
function chromiumRss() {
  const all = treeRss(process.pid);
  const own = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return all === null || !own ? null : all - Number(own[1]) * 1024;
}

async function checkSetInputFiles(context, file) {
  // An idle input on a blank page: nothing reads the File, so any time or memory spent is the
  // cost of setting it.
  const page = await context.newPage();
  await page.setContent('<input type="file">');
  const nodeBefore = process.memoryUsage().rss;
  const chromeBefore = chromiumRss();
  const t = performance.now();
  await page.setInputFiles('input[type=file]', file);
  const ms = performance.now() - t;
  const size = await page.$eval('input', (i) => i.files[0].size);
  const nodeAfter = process.memoryUsage().rss;
  const chromeAfter = chromiumRss();
  await page.close();
  return {
    ms,
    file_size_seen: size,
    node_rss_delta: nodeAfter - nodeBefore,
    chromium_rss_delta: chromeBefore !== null && chromeAfter !== null ? chromeAfter - chromeBefore : null,
  };
}

async function rawRead(context, benchOrigin, file, chunk, timeout) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${benchOrigin}/rawread.html?chunk=${chunk}`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 20_000 });
  const cpuBefore = cpuByThread();
  await page.setInputFiles('input[type=file][data-testid=file-input]', file);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout, polling: 50 });
  const cpu = cpuDelta(cpuBefore, cpuByThread());
  const r = await page.evaluate(() => window.rawReadResult);
  if (r) r.cpu_ms = cpu;
  await page.close();
  if (!r || r.error) throw new Error(`raw read failed: ${r?.error ?? 'no result'} ${errors.join('; ')}`);
  return r;
}

async function pcapscope(context, origin, file, opts, timeout, browser, traceRun) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript(initScript, opts.probe && (opts.canvas ? 'canvas' : true));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.wasmBindings !== undefined, null, { timeout: 30_000 });
  // A returning visitor's steady state: the service worker controls the page (it installs on
  // the first visit). Give up waiting after 10 s; the figures do not depend on it much.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(300); // let the page settle (its own load tasks end before the open)
  if (traceRun) {
    await browser.startTracing(page, {
      path: opts.trace,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink.user_timing',
        'disabled-by-default-devtools.timeline.frame', 'toplevel', 'disabled-by-default-v8.cpu_profiler'],
    });
  }
  const cpuBefore = cpuByThread();
  await page.setInputFiles('input[type=file][data-testid=file-input]', file);
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid=status]').dataset.state),
    null, { timeout, polling: 50 });
  const cpu = cpuDelta(cpuBefore, cpuByThread());
  // Observers deliver their entries asynchronously: give them a moment.
  await page.waitForTimeout(500);
  if (traceRun) await browser.stopTracing();
  const r = await page.evaluate(() => {
    const mark = (n) => performance.getEntriesByName(n, 'mark').map((e) => e.startTime);
    const q = (s) => document.querySelector(s);
    return {
      state: q('[data-testid=status]').dataset.state,
      error: q('[data-testid=error]')?.textContent ?? '',
      status: q('#status-text')?.textContent ?? '',
      open: mark('pcapscope-open'),
      firstChart: mark('pcapscope-first-chart'),
      done: mark('pcapscope-done'),
      wasmMemory: document.body.dataset.wasmMemory ?? null,
      packets: q('[data-metric=packets]')?.dataset.value ?? null,
      dpr: window.devicePixelRatio,
      timeOrigin: performance.timeOrigin,
      bench: window.__bench,
    };
  });
  await page.close();
  if (r.state !== 'done') throw new Error(`the page ended in state ${r.state}: ${r.error} ${errors.join('; ')}`);
  if (r.open.length !== 1 || r.done.length !== 1) {
    throw new Error(`expected one pcapscope-open and one pcapscope-done mark, got ${r.open.length} and ${r.done.length}`);
  }
  const open = r.open[0];
  const done = r.done[0];
  const b = r.bench;
  const msgs = b.messages.filter((m) => m.t1 >= open);
  // The first message that drew the charts (canvas getContext) after data arrived.
  const firstDraw = msgs.find((m) => (m.kind === 'Progress' || m.kind === 'Done') && m.ctx.length > 0);
  let firstChart = null;
  let firstChartSource = null;
  if (r.firstChart.length > 0) {
    firstChart = r.firstChart[0] - open;
    firstChartSource = 'mark';
  } else if (firstDraw) {
    firstChart = firstDraw.t1 - open;
    firstChartSource = 'probe';
  }
  const tasks = b.longtasks.filter((t) => t.start + t.duration >= open && t.start <= done);
  const over50 = tasks.filter((t) => t.duration > 50);
  // What ran inside each long task (messages from the worker handled in it).
  const inside = (t) => msgs.filter((m) => m.t0 >= t.start - 1 && m.t1 <= t.start + t.duration + 1);
  const split = (m) => {
    const end = m.t1;
    const drawStart = m.ctx.length ? m.ctx[0] : null;
    return {
      kind: m.kind,
      at: m.t0 - open,
      total: end - m.t0,
      deserialize: m.firstDom !== null ? m.firstDom - m.t0 : null,
      dom: m.firstDom !== null ? (drawStart ?? end) - m.firstDom : null,
      draw: drawStart !== null ? end - drawStart : null,
      charts: m.ctx.length ? m.ctx.map((t, i) => (m.ctx[i + 1] ?? end) - t) : [],
      ...(m.canvas ? { canvas: m.canvas } : {}),
    };
  };
  const messageSplits = msgs.map(split);
  const byKind = {};
  for (const s of messageSplits) {
    const k = `${s.kind}${s.draw !== null ? '+draw' : ''}`;
    const e = (byKind[k] ??= { count: 0, total: [], deserialize: [], dom: [], draw: [] });
    e.count++;
    for (const f of ['total', 'deserialize', 'dom', 'draw']) if (s[f] !== null) e[f].push(s[f]);
  }
  const summarize = (xs) => (xs.length ? { median: median(xs), max: Math.max(...xs) } : null);
  const kinds = Object.fromEntries(Object.entries(byKind).map(([k, e]) => [k, {
    count: e.count, total: summarize(e.total), deserialize: summarize(e.deserialize), dom: summarize(e.dom), draw: summarize(e.draw),
  }]));
  const ready = msgs.find((m) => m.kind === 'Ready');
  const firstProgress = msgs.find((m) => m.kind === 'Progress');
  const workerMs = /in ([\d,]+) ms/.exec(r.status);
  let worker = null;
  if (b.worker) {
    // Page time of an absolute time from the worker.
    const rel = (t) => t - r.timeOrigin - open;
    const w = b.worker;
    const fetches = w.fetches ?? [];
    // Reads by the helper for this load (it may have read for an earlier one: not here).
    const helperReads = (b.helperReads ?? []).filter((x) => x[0] >= r.timeOrigin + open - 1);
    const readMs = w.reads.reduce((a, x) => a + x[1], 0);
    const postMs = w.posts.reduce((a, x) => a + x[1], 0);
    const firstOf = [w.reads[0], fetches[0], helperReads[0]].filter(Boolean).sort((a, c) => a[0] - c[0]);
    const first = firstOf[0];
    const donePost = w.posts.find((p) => p[2] === 'Done');
    const span = first && donePost ? donePost[0] - first[0] : null;
    const load = w.load ?? null;
    const waited = load ? load.wait_ms + load.pause_ms : 0;
    worker = {
      started_ms: rel(w.started),
      first_read_ms: first ? rel(first[0]) : null,
      first_read_took_ms: first ? first[1] : null,
      // Synchronous reads (FileReaderSync): the fallback when the reader runs dry.
      reads: w.reads.length,
      read_ms: readMs,
      // Asynchronous reads (Blob.arrayBuffer()), overlapping the engine: time each was in flight.
      fetches: fetches.length,
      fetch_bytes: fetches.reduce((a, x) => a + Math.max(0, x[2]), 0),
      fetch_ms: fetches.reduce((a, x) => a + x[1], 0),
      fetch_median_ms: median(fetches.slice(1).map((x) => x[1])),
      // Reads by the reading helper (on its own thread, handed over): from request to answer.
      helper_reads: helperReads.length,
      helper_read_bytes: helperReads.reduce((a, x) => a + x[2], 0),
      helper_read_ms: helperReads.reduce((a, x) => a + x[1], 0),
      // The worker's own account (its `pcapscope-load` mark): waits for a read in flight, pauses.
      load,
      post_ms: postMs,
      posts: w.posts.length,
      first_read_to_done_ms: span,
      // Everything between the first read and the Done post that is not waiting for reads,
      // pausing, reading synchronously or posting: the Wasm engine (copying, parsing, decoding,
      // aggregating, indexing, snapshots).
      engine_ms: span !== null ? span - waited - readMs - postMs : null,
      done_post_ms: donePost ? rel(donePost[0]) : null,
      done_delivered_ms: donePost ? done - open - rel(donePost[0]) : null,
    };
  }
  return {
    open_to_done_ms: done - open,
    first_chart_ms: firstChart,
    first_chart_source: firstChartSource,
    first_draw_message: firstDraw ? split(firstDraw) : null,
    first_progress_ms: firstProgress ? firstProgress.t0 - open : null,
    worker_ready_ms: ready ? ready.t0 - open : null,
    worker_elapsed_ms: workerMs ? Number(workerMs[1].replace(/,/g, '')) : null,
    worker,
    cpu_ms: cpu,
    longest_task_ms: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
    tasks_over_50ms: over50.length,
    long_tasks: tasks.map((t) => ({ at: t.start - open, duration: t.duration, inside: inside(t).map(split) })),
    long_animation_frames: b.loafs.filter((f) => f.start + f.duration >= open && f.start <= done)
      .map((f) => ({
        ...f, start: f.start - open, renderStart: f.renderStart - open, styleAndLayoutStart: f.styleAndLayoutStart - open,
        scripts: f.scripts.map((s) => ({ ...s, start: s.start - open })),
      })),
    messages: kinds,
    wasm_memory: r.wasmMemory !== null ? Number(r.wasmMemory) : null,
    packets: r.packets !== null ? Number(r.packets) : null,
    device_pixel_ratio: r.dpr,
    observer_errors: b.errors,
    page_errors: errors,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(opts.file)) usage(`${opts.file} does not exist`);
  if (!existsSync(path.join(dist, 'index.html'))) {
    console.error('browser-bench: dist/ is missing: run `cargo xtask dist` first');
    process.exit(3);
  }
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.error(`browser-bench: no Chromium at ${executablePath}`);
    process.exit(3);
  }
  const size = statSync(opts.file).size;
  // Generous: 20 MB/s would be a broken page, not a slow one.
  const timeout = Math.max(120_000, (size / 20e6) * 1000);
  const prefix = (opts.tuning ? `self.pcapscopeLoadTuning = ${JSON.stringify(opts.tuning)};\n` : '') +
    (opts.probe ? WORKER_PROBE : '');
  const server = await serve(dist, prefix);
  const benchServer = await serve(here);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const benchOrigin = `http://127.0.0.1:${benchServer.address().port}`;
  // launch() (not a persistent context) so that Browser.startTracing is available for --trace.
  const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
  const result = { file: opts.file, size, runs: opts.runs, chunk: opts.chunk, probe: opts.probe, tuning: opts.tuning };
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    result.browser = `Chromium ${browser.version()}`;
    result.viewport = VIEWPORT;
    result.set_input_files = await checkSetInputFiles(context, opts.file);
    log(`setInputFiles(${(size / MIB).toFixed(0)} MiB by path): ${result.set_input_files.ms.toFixed(0)} ms, ` +
      `node RSS ${(result.set_input_files.node_rss_delta / MIB).toFixed(1)} MiB, ` +
      `Chromium RSS ${result.set_input_files.chromium_rss_delta === null ? '?' : (result.set_input_files.chromium_rss_delta / MIB).toFixed(1)} MiB`);
    result.raw = [];
    result.pcapscope = [];
    // Alternate the two so that a busy moment on the machine hits both alike.
    for (let i = 0; i < opts.runs; i++) {
      const raw = await rawRead(context, benchOrigin, opts.file, opts.chunk, timeout);
      result.raw.push(raw);
      log(`run ${i + 1}/${opts.runs}: raw read ${(size / 1e6 / (raw.pageMs / 1000)).toFixed(0)} MB/s (${raw.pageMs.toFixed(0)} ms)`);
      const p = await pcapscope(context, origin, opts.file, opts, timeout, browser, opts.trace && i === 0);
      result.pcapscope.push(p);
      log(`run ${i + 1}/${opts.runs}: pcapscope ${(size / 1e6 / (p.open_to_done_ms / 1000)).toFixed(0)} MB/s ` +
        `(${p.open_to_done_ms.toFixed(0)} ms), first chart ${p.first_chart_ms?.toFixed(0) ?? '?'} ms, ` +
        `longest task ${p.longest_task_ms.toFixed(0)} ms, ${p.tasks_over_50ms} over 50 ms`);
    }
    if (opts.trace) log(`trace of run 1 written to ${opts.trace} (open it in chrome://tracing or Perfetto)`);
    await context.close();
  } finally {
    await browser.close();
    server.close();
    benchServer.close();
  }
  const json = JSON.stringify(result, null, 1);
  if (opts.out) writeFileSync(opts.out, json);
  else process.stdout.write(json + '\n');
}

main().catch((e) => {
  console.error(`browser-bench: ${e?.stack ?? e}`);
  process.exit(1);
});
