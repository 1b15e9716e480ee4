// The shipped face decoder side by side in one headless Chromium: ONNX Runtime Web
// (wasm, 1 and 2 threads) against the latentlab page (CPU: flex in wasm; WebGPU:
// SwiftShader here). Run through run.sh, which writes decoder.onnx and installs ORT.
//
// Correctness: ORT's 16 faces are checked against the native CLI's decode of the same
// z (`latentlab sample --raw`); the page's decodes are checked against the same CLI by
// tests/e2e/faces.test.mjs. Speed: medians and minima of 20 decodes after 3 warm-ups.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM, DIST, ROOT, WEIGHTS, maxAbsDiff, median, nativeDecode } from '../../tests/e2e/harness.mjs';

const HERE = import.meta.dirname;
const ORT_DIST = path.join(HERE, 'node_modules/onnxruntime-web/dist');
const MODEL = 'celeba-vae';
const RUNS = 20;
const WARMUP = 3;
const TOLERANCE = 1e-5;

/** Serves ort.html, decoder.onnx and ORT's files, cross-origin isolated (threads need it). */
function ortServer() {
  const files = {
    '/': [path.join(HERE, 'ort.html'), 'text/html'],
    '/decoder.onnx': [path.join(HERE, 'decoder.onnx'), 'application/octet-stream'],
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    let entry = files[url];
    if (!entry && url.startsWith('/ort/') && !url.includes('..')) {
      const file = path.join(ORT_DIST, url.slice('/ort/'.length));
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      if (fs.existsSync(file)) entry = [file, type];
    }
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': entry[1],
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    fs.createReadStream(entry[0]).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const stats = (ms) => ({ median: median(ms), min: Math.min(...ms) });

async function timeOrt(browser, base, threads, native, latent) {
  const page = await browser.newPage();
  try {
    await page.goto(base);
    const setup = await page.evaluate((t) => window.setup(t), threads);
    if (threads > 1 && !setup.isolated) throw new Error('the ORT page is not cross-origin isolated');
    const z = Array.from(native.z);
    const check = await page.evaluate(([v, n, l]) => window.decode(v, n, l, true), [z, 16, latent]);
    const diff = maxAbsDiff(Float32Array.from(check.pixels), native.pixels);
    if (!(diff <= TOLERANCE)) throw new Error(`ORT's faces differ from the native decode by ${diff}`);
    const result = { diff };
    for (const n of [1, 16]) {
      const values = z.slice(0, n * latent);
      const ms = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const run = await page.evaluate(([v, k, l]) => window.decode(v, k, l, false), [values, n, latent]);
        if (i >= WARMUP) ms.push(run.ms);
      }
      result[n] = stats(ms);
    }
    return result;
  } finally {
    await page.close();
  }
}

/** The page's own decode times, from tests/e2e/latency.mjs (morph: 1 face, sample: 16). */
function timePage(backends) {
  const json = path.join(os.tmpdir(), `latentlab-page-times-${process.pid}.json`);
  execFileSync(process.execPath, [path.join(ROOT, 'tests/e2e/latency.mjs')], {
    env: { ...process.env, LATENCY_BACKENDS: backends.join(','), LATENCY_PAGES: 'sample,morph', LATENCY_JSON: json },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const times = JSON.parse(fs.readFileSync(json, 'utf8'));
  fs.rmSync(json);
  return Object.fromEntries(backends.map((b) => [b, { 1: stats(times.morph[b]), 16: stats(times.sample[b]) }]));
}

const gzipBytes = (files) => files.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);

async function main() {
  const manifest = JSON.parse(fs.readFileSync(path.join(WEIGHTS, MODEL, 'manifest.json'), 'utf8'));
  const latent = manifest.latent_dim;
  const native = nativeDecode(MODEL, 7, 16);
  const server = await ortServer();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const ort = {};
  try {
    for (const threads of [1, 2]) {
      ort[threads] = await timeOrt(browser, base, threads, native, latent);
      console.error(`ORT ${threads} thread(s): ${JSON.stringify(ort[threads])}`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  const backends = (process.env.PAGE_BACKENDS || 'cpu,webgpu').split(',');
  const page = timePage(backends);

  const ortFiles = ['ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']
    .map((f) => path.join(ORT_DIST, f)).concat(path.join(HERE, 'decoder.onnx'));
  // A CPU visit loads the CPU build (dist/*.js, *.wasm and the inline-JS snippets);
  // a WebGPU visit loads it too, then hands over to dist/webgpu/.
  const code = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }) : [])
    .filter((f) => /\.(wasm|js)$/.test(f) && !(dir === DIST && f.startsWith('webgpu')))
    .map((f) => path.join(dir, f));
  const weightFiles = ['manifest.json', 'model.safetensors'].map((f) => path.join(WEIGHTS, MODEL, f));
  const pageFiles = code(DIST).concat(weightFiles);
  const webgpuFiles = pageFiles.concat(code(path.join(DIST, 'webgpu')));
  const ortBytes = gzipBytes(ortFiles);
  const pageBytes = { cpu: gzipBytes(pageFiles), webgpu: gzipBytes(webgpuFiles) };

  const cell = (s) => `${s.median.toFixed(1)} / ${s.min.toFixed(1)}`;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0].model}, headless Chromium, ${MODEL} decoder, `
    + `median / minimum of ${RUNS} decodes after ${WARMUP} warm-ups (ms)\n`);
  console.log('| runtime | 1 face | 16 faces | download, gzip -9 (code + weights) |');
  console.log('| --- | --- | --- | --- |');
  for (const threads of [1, 2]) {
    console.log(`| ONNX Runtime Web 1.31.1, wasm, ${threads} thread${threads > 1 ? 's' : ''} | ${cell(ort[threads][1])} | `
      + `${cell(ort[threads][16])} | ${(ortBytes / 1e6).toFixed(2)} MB |`);
  }
  for (const b of backends) {
    const name = b === 'cpu' ? 'latentlab page, CPU (flex in wasm, 1 thread)' : 'latentlab page, WebGPU (SwiftShader)';
    console.log(`| ${name} | ${cell(page[b][1])} | ${cell(page[b][16])} | ${(pageBytes[b] / 1e6).toFixed(2)} MB |`);
  }
  console.log(`\nORT against the native decode of the same 16 z: max |difference| ${ort[1].diff.toExponential(2)} `
    + `(1 thread), ${ort[2].diff.toExponential(2)} (2 threads); tolerance ${TOLERANCE}.`);
}

await main();
