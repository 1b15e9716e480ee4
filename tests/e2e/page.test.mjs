// Browser end-to-end tests: the Trunk-built page (dist/) served on 127.0.0.1 and driven
// in Debian's headless Chromium (WebGPU on SwiftShader) through playwright-core.
// Run by scripts/test.sh, which builds dist/ and the native `latentlab` binary first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const WEIGHTS = path.join(ROOT, 'web/weights/fashion-vae');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const READY_TIMEOUT_MS = 180_000;
const SAMPLES = 64;
const SIDE = 32;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

let server;
let baseUrl;
let browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), `no ${DIST}/index.html: run trunk build --release first`);
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.join(DIST, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens the page with `query`, waits until it is ready or failed, and collects console errors. */
async function openPage(query) {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(baseUrl + query);
  await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: READY_TIMEOUT_MS });
  return { page, errors };
}

async function text(page, selector) {
  return (await page.textContent(selector)).trim();
}

/** The canvas cut into its 8x8 cells: per cell, the grey values of its pixels. */
async function gridCells(page) {
  const { width, height, data } = await page.evaluate(() => {
    const canvas = document.getElementById('samples');
    const image = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    return { width: image.width, height: image.height, data: Array.from(image.data) };
  });
  assert.equal(width, 8 * SIDE + 7 * 2);
  assert.equal(height, width);
  const cells = [];
  for (let row = 0; row < 8; row++) {
    for (let col = 0; col < 8; col++) {
      const cell = [];
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          cell.push(data[((row * (SIDE + 2) + y) * width + col * (SIDE + 2) + x) * 4]);
        }
      }
      cells.push(cell);
    }
  }
  return cells;
}

function assertGridLooksLikeSamples(cells) {
  assert.equal(cells.length, SAMPLES);
  for (const [i, cell] of cells.entries()) {
    const lit = cell.filter((v) => v > 60).length;
    assert.ok(lit > 20, `cell ${i} is blank (${lit} lit pixels)`);
  }
  const distinct = new Set(cells.map((c) => c.join(','))).size;
  assert.ok(distinct >= SAMPLES - 2, `cells should differ: only ${distinct} distinct of ${SAMPLES}`);
}

function nativeDecode(seed) {
  const bin = process.env.LATENTLAB_BIN;
  assert.ok(bin && fs.existsSync(bin), `LATENTLAB_BIN must name the built latentlab binary (got ${bin})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-parity-'));
  const raw = path.join(dir, 'raw.json');
  execFileSync(bin, ['sample', '--weights', WEIGHTS, '--out', path.join(dir, 'grid.png'), '--count', String(SAMPLES),
    '--seed', String(seed), '--raw', raw]);
  const result = JSON.parse(fs.readFileSync(raw, 'utf8'));
  // JSON holds the shortest decimal of each f32; round back to f32 to compare exactly.
  result.z = result.z.map(Math.fround);
  result.pixels = result.pixels.map(Math.fround);
  fs.rmSync(dir, { recursive: true });
  return result;
}

async function pageDecode(page) {
  return page.evaluate(() => ({
    backend: window.latentlab.backend,
    seed: window.latentlab.seed,
    z: Array.from(window.latentlab.z),
    pixels: Array.from(window.latentlab.pixels),
  }));
}

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

async function timings(page) {
  const ids = ['backend', 't-download', 't-init', 't-first', 't-later'];
  const values = await Promise.all(ids.map((id) => text(page, `#${id}`)));
  return Object.fromEntries(ids.map((id, i) => [id, values[i]]));
}

test('default page picks WebGPU and draws 64 distinct non-blank samples', async (t) => {
  const { page, errors } = await openPage('');
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ready', await text(page, '#status'));
  assert.equal(await text(page, '#backend'), 'WebGPU');
  assertGridLooksLikeSamples(await gridCells(page));
  await page.click('#new-samples');
  await page.waitForFunction(() => window.latentlab.seed === 1, null, { timeout: READY_TIMEOUT_MS });
  await page.waitForSelector('#status[data-state="ready"]');
  assert.match(await text(page, '#t-later'), /median of 1\)/);
  t.diagnostic(`WebGPU timings: ${JSON.stringify(await timings(page))}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('forced CPU backend draws the same kind of grid', async (t) => {
  const { page, errors } = await openPage('?backend=cpu');
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ready', await text(page, '#status'));
  assert.equal(await text(page, '#backend'), 'CPU (flex)');
  assertGridLooksLikeSamples(await gridCells(page));
  for (let i = 0; i < 5; i++) {
    await page.click('#new-samples');
    await page.waitForFunction((s) => window.latentlab.seed === s, i + 1, { timeout: READY_TIMEOUT_MS });
  }
  t.diagnostic(`CPU timings: ${JSON.stringify(await timings(page))}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('browser decodes (WebGPU and CPU) match the native CPU decode within 1e-3', async (t) => {
  const native = nativeDecode(3);
  for (const backend of ['webgpu', 'cpu']) {
    const { page, errors } = await openPage(`?backend=${backend}&seed=3`);
    const decoded = await pageDecode(page);
    assert.equal(decoded.backend, backend);
    assert.equal(maxAbsDiff(decoded.z, native.z), 0, 'the page draws the same z as the CLI');
    const diff = maxAbsDiff(decoded.pixels, native.pixels);
    t.diagnostic(`${backend}: max |browser - native| = ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-3, `${backend} differs from native by ${diff}`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('switching backend on the page re-decodes on the other backend', async () => {
  const { page, errors } = await openPage('?backend=webgpu');
  await page.click('#use-cpu');
  await page.waitForFunction(() => window.latentlab.backend === 'cpu', null, { timeout: READY_TIMEOUT_MS });
  await page.waitForSelector('#status[data-state="ready"]');
  assert.equal(await text(page, '#backend'), 'CPU (flex)');
  assert.equal(await page.getAttribute('#use-cpu', 'aria-pressed'), 'true');
  assertGridLooksLikeSamples(await gridCells(page));
  assert.deepEqual(errors, []);
  await page.close();
});

test('missing weights show an error that names the URL', async () => {
  const { page } = await openPage('?weights=weights/nope&backend=cpu');
  assert.equal(await page.getAttribute('#status', 'data-state'), 'error');
  assert.match(await text(page, '#status'), /weights\/nope\/manifest\.json: HTTP 404/);
  await page.close();
});
