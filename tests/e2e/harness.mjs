// Shared pieces of the browser end-to-end tests: a static server for the Trunk-built
// page (dist/), Debian's headless Chromium (WebGPU on SwiftShader) through
// playwright-core, and small helpers to read what the page shows (canvas pixels, the
// `window.latentlab` test hook) and what the native CLI decodes for the same latents.
// node runs each *.test.mjs in its own process, so each file calls useBrowser() for its
// own server and browser; latency.mjs calls start()/stop() directly.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The built page; LATENTLAB_DIST points the server at another build (before/after timings). */
export const DIST = process.env.LATENTLAB_DIST || path.join(ROOT, 'dist');
export const WEIGHTS = path.join(ROOT, 'web/weights');
export const DATA = process.env.LATENTLAB_DATA || path.join(ROOT, '../shared/data');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** First load compiles ~20 MB of wasm and, on WebGPU, SwiftShader pipelines: slow on CI. */
export const READY_TIMEOUT_MS = 180_000;
/** Every page id the nav offers, in nav order. */
export const PAGES = ['sample', 'morph', 'attributes', 'reconstruct', 'stats', 'gan', 'scatter', 'manifold', 'latent3d', 'distributions', 'die', 'inverse', 'rejection', 'normal', 'scale', 'pmodel'];

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg',
};

let server;
let browser;
export let baseUrl;

/** Starts the static server and Chromium (once per process). */
export async function start() {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), `no ${DIST}/index.html: run trunk build --release first`);
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    // /halfway/...: weights files are cut off midway (the full length promised, half
    // sent, the connection dropped), as a failing download would be.
    const halfway = url.pathname.startsWith('/halfway/');
    const pathname = halfway ? url.pathname.slice('/halfway'.length) : url.pathname;
    const file = path.join(DIST, decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
    if (halfway && file.endsWith('.safetensors') && fs.existsSync(file)) {
      const bytes = fs.readFileSync(file);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
      return;
    }
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
}

export async function stop() {
  await browser?.close();
  server?.close();
}

/** Registers before/after hooks that start and stop this test file's server and browser. */
export function useBrowser() {
  before(start);
  after(stop);
}

/**
 * Opens `query` in a fresh context (so pages share nothing), waits until #status says
 * ready or error, and collects console errors and uncaught exceptions (wasm panics).
 */
export async function openPage(query, { viewport, init, route, settle = true } = {}) {
  const page = await browser.newPage(viewport ? { viewport } : {});
  if (init) await page.addInitScript(init);
  // `route: [pattern, handler]` intercepts requests (e.g. holds the wasm back); with
  // `settle: false` this returns as soon as the document arrives.
  if (route) await page.route(...route);
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(baseUrl + query, settle ? {} : { waitUntil: 'commit' });
  if (settle) await settled(page);
  return { page, errors };
}

/** Waits until the page's models are loaded (or failed). */
export async function settled(page) {
  await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: READY_TIMEOUT_MS });
}

export async function waitReady(page) {
  await page.waitForSelector('#status[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
}

/** Switches activity through the nav, asserting that the document was not reloaded. */
export async function navTo(page, id) {
  await page.evaluate(() => { window.__e2eSameDocument = true; });
  await page.click(`nav a[data-page="${id}"]`);
  await page.waitForFunction((id) => (new URLSearchParams(location.search).get('page') ?? 'sample') === id, id);
  await waitReady(page);
  assert.equal(await page.evaluate(() => window.__e2eSameDocument), true, `switching to ${id} reloaded the page`);
}

export async function text(page, selector) {
  return ((await page.textContent(selector)) ?? '').trim();
}

/** The value of query key `key` in the page's current URL (the page rewrites it as state changes). */
/**
 * A query parameter of the page's URL, once the URL holds the current view: a changed
 * setting reaches it after the settings rest for 300 ms (web/src/hooks/address.rs).
 */
export async function urlParam(page, key) {
  await page.waitForFunction(() => !window.latentlab?.addressPending);
  return page.evaluate((k) => new URLSearchParams(location.search).get(k), key);
}

/** Types `value` into a number input and commits it (Enter fires `change`). */
export async function setNumber(page, selector, value) {
  await page.fill(selector, String(value));
  await page.press(selector, 'Enter');
}

// ---- the window.latentlab test hook ----

export async function decodeCount(page, activity) {
  return page.evaluate((a) => window.latentlab?.decodes?.[a] ?? 0, activity);
}

export async function waitDecodes(page, activity, count) {
  await page.waitForFunction(([a, k]) => (window.latentlab?.decodes?.[a] ?? 0) >= k, [activity, count],
    { timeout: READY_TIMEOUT_MS });
}

/**
 * Runs `action`, waits for the decode it starts, then for a short quiet spell (one
 * control event may start more than one decode, and a stale one must not be taken for
 * the next action's), and returns the last decode.
 */
export async function afterDecode(page, activity, action) {
  await settleDecode(page, activity, action);
  return lastDecode(page, activity);
}

/**
 * `afterDecode` without reading the decode back: timing loops do not need the pixels,
 * and moving them out (base64, in the page) makes megabytes of garbage between the
 * decodes they time.
 */
export async function settleDecode(page, activity, action) {
  const before = await decodeCount(page, activity);
  await action();
  await waitDecodes(page, activity, before + 1);
  await quiet(page, activity);
}

/**
 * Waits until no further `activity` decode finishes for 300 ms, counted from when the
 * URL holds the view: a setting reaches the URL 300 ms after it rests, and the
 * browser's work for that write would otherwise fall on the next timed decode.
 */
export async function quiet(page, activity) {
  await page.waitForFunction(() => !window.latentlab?.addressPending);
  let count = await decodeCount(page, activity);
  for (;;) {
    await page.waitForTimeout(300);
    const now = await decodeCount(page, activity);
    if (now === count) return;
    count = now;
  }
}

/** window.latentlab.last[activity] with z and pixels as Float32Arrays (moved as base64: exact and compact). */
export async function lastDecode(page, activity) {
  const raw = await page.evaluate((a) => {
    const record = window.latentlab?.last?.[a];
    if (!record) return null;
    const b64 = (values) => {
      const f = ArrayBuffer.isView(values) ? values : new Float32Array(values);
      const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    return { z: b64(record.z), pixels: b64(record.pixels), ms: record.ms, backend: record.backend };
  }, activity);
  assert.ok(raw, `window.latentlab.last[${JSON.stringify(activity)}] is missing`);
  return { ...raw, z: floats(raw.z), pixels: floats(raw.pixels) };
}

function floats(b64) {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

// ---- canvases ----

/**
 * The RGBA pixels of a canvas as {width, height, data: Buffer}. Drawn onto a scratch 2-D
 * canvas so this works whatever context the page's canvas uses. `target`: a selector
 * matching one canvas, or a Locator.
 */
export async function canvasPixels(page, target) {
  const locator = typeof target === 'string' ? page.locator(target) : target;
  const raw = await locator.evaluate((canvas) => {
    const scratch = document.createElement('canvas');
    scratch.width = canvas.width;
    scratch.height = canvas.height;
    const ctx = scratch.getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const bytes = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, data: btoa(s) };
  });
  return { ...raw, data: Buffer.from(raw.data, 'base64') };
}

/** All canvases matching `selector`, in document order. */
export async function allCanvasPixels(page, selector) {
  const all = page.locator(selector);
  const count = await all.count();
  const out = [];
  for (let i = 0; i < count; i++) out.push(await canvasPixels(page, all.nth(i)));
  return out;
}

/** Blank: transparent everywhere, or under 2% of pixels differ from the first one. */
export function isBlank({ data }) {
  const n = data.length / 4;
  let opaque = 0;
  let differing = 0;
  for (let p = 0; p < n; p++) {
    if (data[p * 4 + 3] > 0) opaque++;
    for (let c = 0; c < 4; c++) {
      if (Math.abs(data[p * 4 + c] - data[c]) > 8) { differing++; break; }
    }
  }
  return opaque === 0 || differing < Math.max(1, n * 0.02);
}

export function assertNotBlank(image, what) {
  assert.ok(!isBlank(image), `${what} is blank`);
}

/** A canvas's RGB as channel-major floats in [0, 1], the layout of decoded pixels. */
export function channelMajor({ width, height, data }, channels = 3) {
  const out = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < width * height; p++) out[c * width * height + p] = data[p * 4 + c] / 255;
  }
  return out;
}

// ---- comparisons and waiting ----

export function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function meanAbsDiff(a, b) {
  assert.equal(a.length, b.length, 'lengths differ');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Retries `check` (which throws until what it asserts holds) until it passes or time runs out. */
export async function eventually(check, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---- exports on disk and the native CLI ----

export function weightsDir(name) {
  return path.join(WEIGHTS, name);
}

export function manifest(name) {
  return JSON.parse(fs.readFileSync(path.join(weightsDir(name), 'manifest.json'), 'utf8'));
}

/** Tensors of a safetensors file: 8-byte LE header length, JSON header, then the data. */
export function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  const types = { F32: Float32Array, U32: Uint32Array, I32: Int32Array, U8: Uint8Array };
  const tensors = {};
  for (const [name, { dtype, shape, data_offsets: [from, to] }] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    assert.ok(types[dtype], `${file}: unsupported dtype ${dtype}`);
    // Copy: the slice may not be aligned for the typed array.
    const bytes = new Uint8Array(buf.subarray(8 + headerLen + from, 8 + headerLen + to));
    tensors[name] = { dtype, shape, values: new types[dtype](bytes.buffer) };
  }
  return tensors;
}

/** An export's encoded points: { z: Float32Array [n*d], labels?, n, d }. */
export function points(name) {
  const t = readSafetensors(path.join(weightsDir(name), 'points.safetensors'));
  const [n, d] = t.z.shape;
  return { z: t.z.values, labels: t.labels?.values, n, d };
}

/**
 * Held-out faces in the shipped face model's framing: celeba64's validation partition
 * (names from 162771 on), which the model never trained on; fails clearly when the
 * data is missing.
 */
export function celebaPhotos(count = 1) {
  const dir = path.join(DATA, 'celeba64/img_align_celeba');
  if (!fs.existsSync(dir)) {
    assert.fail(`no CelebA images at ${dir}: set LATENTLAB_DATA to the datasets folder (now ${DATA})`);
  }
  const files = fs.readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f) && f >= '162771').sort();
  assert.ok(files.length >= count, `${dir} holds no validation-partition images (LATENTLAB_DATA=${DATA})`);
  return files.slice(0, count).map((f) => path.join(dir, f));
}

const nativeCache = new Map();

/**
 * The native CLI's decode of faces seed..seed+count-1 of export `name` at temperature 1:
 * { z, pixels } as Float32Arrays. The JSON holds the shortest decimal of each f32, so
 * Math.fround recovers the exact value.
 */
export function nativeDecode(name, seed, count, extra = []) {
  const key = `${name}/${seed}/${count}/${extra.join(' ')}`;
  if (nativeCache.has(key)) return nativeCache.get(key);
  const bin = process.env.LATENTLAB_BIN;
  assert.ok(bin && fs.existsSync(bin), `LATENTLAB_BIN must name the built latentlab binary (got ${bin})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-native-'));
  try {
    const raw = path.join(dir, 'raw.json');
    execFileSync(bin, ['sample', '--weights', weightsDir(name), '--out', path.join(dir, 'grid.png'),
      '--count', String(count), '--seed', String(seed), '--raw', raw, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    const json = JSON.parse(fs.readFileSync(raw, 'utf8'));
    const result = { z: Float32Array.from(json.z, Math.fround), pixels: Float32Array.from(json.pixels, Math.fround) };
    nativeCache.set(key, result);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One face: `--seed K --count 1` is face K however the CLI lays out later faces. */
export function nativeFace(name, id) {
  return nativeDecode(name, id, 1);
}
