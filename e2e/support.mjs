// Shared by the end-to-end tests: a static server for dist/ and the native binary's JSON.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dist = path.join(root, 'dist');
/// Where end-to-end tests leave screenshots.
export const artifacts = path.join(root, 'target', 'e2e-artifacts');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.pcapng': 'application/octet-stream', '.json': 'application/json',
};

/// A static server for dist/ on 127.0.0.1 (a free port), like any static host.
export function serveDist() {
  return new Promise((resolve) => {
    const s = createServer(async (req, res) => {
      const url = new URL(req.url, 'http://x');
      const rel = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
      const file = path.join(dist, path.normalize(rel));
      if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

/// `pcapscope ARGS...` (the debug build if there is one, else through cargo), its stdout parsed
/// as JSON. With `allowDamaged`, exit status 1 (damage part way) still gives the JSON it
/// printed; any other failure throws.
export function pcapscopeJson(args, { allowDamaged = false } = {}) {
  const bin = path.join(root, 'target', 'debug', 'pcapscope');
  let out;
  try {
    out = existsSync(bin)
      ? execFileSync(bin, args, { encoding: 'utf8' })
      : execFileSync('cargo', ['run', '-q', '-p', 'pcapscope-cli', '--', ...args], { cwd: root, encoding: 'utf8' });
  } catch (e) {
    if (!allowDamaged || e.status !== 1) throw e;
    out = e.stdout;
  }
  return JSON.parse(out);
}

/// A new page of `context` at `origin` (+ `hash`), with the Wasm app loaded; `errors` collects
/// uncaught exceptions and console errors.
export async function newPage(context, origin, hash = '') {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(origin + '/' + hash);
  await page.waitForFunction(() => window.wasmBindings !== undefined);
  return { page, errors };
}

/// Waits until the view asked for last is shown, with rows in the table.
export async function viewReady(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=view-count]').dataset.state === 'ready', null, { timeout: 30_000 });
  await page.waitForSelector('[data-testid=packet-table] [data-row]');
}

/// Opens a file and waits for the analysis and the first view of the table.
export async function openFile(page, file) {
  await page.setInputFiles('input[type=file][data-testid=file-input]', file);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]').dataset.state === 'done', null, { timeout: 60_000 });
  await viewReady(page);
}

/// What `pcapscope stats --json -Y FILTER` counts (the native engine, same filter).
export function nativeFiltered(file, filter) {
  return pcapscopeJson(['stats', '--json', '-Y', filter, file]);
}

/// The browser of a test file: before its tests, serves dist/ and launches Debian's Chromium
/// with one context; after them, closes both. The returned object's `origin` and `context` are
/// set once `before` has run; `newPage(hash)` opens a page in that context.
export function browserSession({ viewport = { width: 1400, height: 1100 } } = {}) {
  const s = { server: null, origin: null, browser: null, context: null };
  before(async () => {
    await mkdir(artifacts, { recursive: true });
    s.server = await serveDist();
    s.origin = `http://127.0.0.1:${s.server.address().port}`;
    s.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    s.context = await s.browser.newContext({ viewport });
  });
  after(async () => {
    await s.browser?.close();
    s.server?.close();
  });
  s.newPage = (hash = '') => newPage(s.context, s.origin, hash);
  return s;
}
