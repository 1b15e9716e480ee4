// Measures the built page (not a test: run `node tests/e2e/latency.mjs [SHOTS_DIR]` after
// `trunk build --release`):
//  - decode latency: for each backend and activity, drives the activity's real control
//    RUNS times and prints the median of window.latentlab.ms[activity] over those decodes;
//  - page weight: gzip sizes of dist/*.wasm (the CPU build), dist/webgpu/*.wasm and
//    every file under web/weights/;
//  - draws per second of the "Ten million draws" page, CPU (wasm) vs WebGPU;
//  - screenshots of every page on WebGPU, into SHOTS_DIR (default /tmp/latentlab-shots).
// LATENCY_BACKENDS=cpu and LATENCY_PAGES=sample,morph narrow the decode timings (and
// skip the scale page); LATENTLAB_DIST times another build, e.g. a copy of the one
// before a change, so before and after come from one sitting; LATENCY_JSON=FILE also
// writes every decode time, { activity: { backend: [ms, ...] } } (bench/page-vs-ort).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  DIST, PAGES, WEIGHTS, afterDecode, celebaPhotos, median, navTo, openPage, quiet, setNumber, settleDecode, start, stop,
  waitDecodes,
} from './harness.mjs';

const SHOTS = process.argv[2] || '/tmp/latentlab-shots';
const RUNS = 20;
const BACKENDS = process.env.LATENCY_BACKENDS?.split(',') ?? ['webgpu', 'cpu'];
const ONLY_PAGES = process.env.LATENCY_PAGES?.split(',');
const NARROWED = Boolean(process.env.LATENCY_BACKENDS || ONLY_PAGES);

let photos = null;
try {
  photos = celebaPhotos(2);
} catch (err) {
  console.error(`reconstruct skipped: ${err.message}`);
}

/** A point of an element's box, as fractions of its size. */
async function at(page, selector, fx, fy) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  return [box.x + box.width * fx, box.y + box.height * fy];
}

/** Spreads RUNS cursor positions over the middle of a canvas, all different. */
const spot = (i) => [0.2 + 0.6 * (i / (RUNS - 1)), 0.3 + 0.4 * (((i * 7) % RUNS) / (RUNS - 1))];

// Per page: its activities, each with whether it decodes on opening (wait for that
// first), an optional setup, and one step of its control (step i must change the
// state, so that it starts a decode).
const PLAN = {
  sample: [{ activity: 'sample', onOpen: true, step: (page) => page.click('#new-samples') }],
  morph: [
    {
      activity: 'morph',
      onOpen: true,
      // From alpha 0, RUNS ArrowRight steps stay inside the range.
      setup: async (page) => {
        if (Number(await page.inputValue('#alpha')) > 0) await afterDecode(page, 'morph', () => page.press('#alpha', 'Home'));
      },
      step: (page) => page.press('#alpha', 'ArrowRight'),
    },
    {
      activity: 'strip',
      onOpen: true,
      step: async (page, i) => setNumber(page, '#face-b', 100 + i),
    },
  ],
  attributes: [{ activity: 'attributes', onOpen: true, step: (page) => page.press('#attr-Smiling', 'ArrowRight') }],
  reconstruct: photos ? [{ activity: 'reconstruct', step: (page, i) => page.setInputFiles('#photo', photos[i % 2]) }] : [],
  stats: [],
  scatter: [
    { activity: 'scatter-vae', step: async (page, i) => page.mouse.move(...await at(page, '#scatter-vae', ...spot(i))) },
    { activity: 'scatter-ae', step: async (page, i) => page.mouse.move(...await at(page, '#scatter-ae', ...spot(i))) },
  ],
  manifold: [{ activity: 'manifold', onOpen: true, step: (page, i) => setNumber(page, '#manifold-n', i % 2 ? 12 : 11) }],
  latent3d: [{ activity: 'latent3d', step: (page, i) => setNumber(page, '#pick-index', 100 + i) }],
};

function pad(cells, widths) {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
}

function printTable(header, rows) {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => String(r[i]).length)));
  console.log(pad(header, widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(pad(row, widths));
}

function pageWeight() {
  // The CPU build every visit loads, then the WebGPU build only WebGPU visits load.
  const wasm = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => f.endsWith('.wasm'))
    .map((f) => path.join(dir, f));
  const files = [...wasm(DIST), ...wasm(path.join(DIST, 'webgpu'))];
  for (const dir of fs.readdirSync(WEIGHTS).sort()) {
    for (const f of fs.readdirSync(path.join(WEIGHTS, dir)).sort()) files.push(path.join(WEIGHTS, dir, f));
  }
  let raw = 0;
  let gz = 0;
  const rows = files.map((file) => {
    const bytes = fs.readFileSync(file);
    const zipped = zlib.gzipSync(bytes).length; // zlib's default level, as a server would send it
    raw += bytes.length;
    gz += zipped;
    return [path.relative(path.resolve(DIST, '..'), file), (bytes.length / 1024).toFixed(1), (zipped / 1024).toFixed(1)];
  });
  rows.push(['total', (raw / 1024).toFixed(1), (gz / 1024).toFixed(1)]);
  console.log('\nPage weight (KiB)');
  printTable(['file', 'raw', 'gzip'], rows);
}

/** Every decode time of `measure`, for LATENCY_JSON. */
const times = {};

async function measure(backend, results) {
  const started = Date.now();
  const { page } = await openPage(`?backend=${backend}`);
  results.set('page ready (wall ms)', { ...results.get('page ready (wall ms)'), [backend]: Date.now() - started });
  // The decoding activities; the teaching pages decode nothing.
  for (const id of PAGES.filter((p) => PLAN[p] && (!ONLY_PAGES || ONLY_PAGES.includes(p)))) {
    if (id !== 'sample') await navTo(page, id);
    for (const { activity, onOpen, setup, step } of PLAN[id]) {
      let cell;
      try {
        if (onOpen) await waitDecodes(page, activity, 1);
        await quiet(page, activity);
        if (setup) await setup(page);
        for (let i = 0; i < RUNS; i++) await settleDecode(page, activity, () => step(page, i));
        const ms = await page.evaluate(([a, n]) => (window.latentlab.ms?.[a] ?? []).slice(-n), [activity, RUNS]);
        cell = ms.length ? median(ms).toFixed(1) : 'no ms';
        times[activity] = { ...times[activity], [backend]: ms };
      } catch (err) {
        cell = `failed: ${err.message.split('\n')[0]}`;
      }
      results.set(activity, { ...results.get(activity), [backend]: cell });
      console.error(`${backend} ${activity}: ${cell}`);
    }
    if (backend === 'webgpu') {
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SHOTS, `${id}.png`), fullPage: true });
    }
  }
  await page.close();
}

/** Runs per backend on the scale page; the first WebGPU run also compiles the kernels. */
const SCALE_RUNS = 3;
const SCALE_JOBS = [
  ['inverse transform, normal', '?page=scale&method=inverse&dist=normal&draws=10000000&backend=webgpu'],
  ['rejection, mixture, Gaussian q, M = 2.5', '?page=scale&method=rejection&target=mixture&q=gaussian&m=2.5&draws=10000000&backend=webgpu'],
];

async function scaleRates() {
  const rows = [];
  for (const [job, query] of SCALE_JOBS) {
    const { page } = await openPage(query);
    await page.waitForSelector('#run-webgpu:not([disabled])');
    const rates = {};
    for (const backend of ['cpu', 'webgpu']) {
      const ms = [];
      for (let i = 0; i < SCALE_RUNS; i++) {
        const before = await page.locator(`tr.scale-run[data-backend="${backend}"]`).count();
        await page.click(backend === 'cpu' ? '#run-cpu' : '#run-webgpu');
        await page.waitForFunction(([b, n]) => document.querySelectorAll(`tr.scale-run[data-backend="${b}"]`).length > n,
          [backend, before], { timeout: 300_000 });
        ms.push(Number(await page.getAttribute(`tr.scale-run[data-backend="${backend}"]`, 'data-ms')));
      }
      const steady = median(ms.slice(1));
      rates[backend] = 1e7 / (steady / 1000);
      rows.push([job, backend, ms[0].toFixed(0), steady.toFixed(0), rates[backend].toExponential(3)]);
    }
    rows.push([job, 'webgpu / cpu', '', '', `${(rates.webgpu / rates.cpu).toFixed(2)}x`]);
    await page.screenshot({ path: path.join(SHOTS, `scale-${job.split(',')[0].replace(/ /g, '-')}.png`), fullPage: true });
    await page.close();
  }
  console.log(`\nTen million draws: first run and median of runs 2..${SCALE_RUNS} (ms), draws per second`);
  printTable(['job', 'backend', 'first ms', 'ms', 'draws/s'], rows);
}

async function main() {
  pageWeight();
  fs.mkdirSync(SHOTS, { recursive: true });
  await start();
  const results = new Map();
  try {
    if (process.env.ONLY_SCALE) {
      await scaleRates();
      return;
    }
    for (const backend of BACKENDS) await measure(backend, results);
    if (!NARROWED) await scaleRates();
  } finally {
    await stop();
  }
  if (process.env.LATENCY_JSON) fs.writeFileSync(process.env.LATENCY_JSON, JSON.stringify(times));
  console.log(`\nDecode latency: median of window.latentlab.ms over ${RUNS} decodes (ms)`);
  printTable(['activity', ...BACKENDS], [...results].map(([a, cells]) => [a, ...BACKENDS.map((b) => cells[b] ?? '-')]));
  console.log(`\nScreenshots (WebGPU): ${SHOTS}`);
}

await main();
