// Browser tests of the page's engine: backend choice, parity with the native decode,
// load errors, loading your own export, URL state, and the 360 px layout.
// The default page opened by the first test is reused by the backend-switch and
// own-export tests (each page load compiles the wasm again, which is slow on CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  PAGES, READY_TIMEOUT_MS, afterDecode, allCanvasPixels, assertNotBlank, decodeCount, eventually, lastDecode,
  maxAbsDiff, nativeDecode, navTo, openPage, quiet, settled, text, urlParam, useBrowser, waitDecodes, waitReady,
  weightsDir,
} from './harness.mjs';

useBrowser();

/** The 16 face canvases of the sample grid: each `side` px, non-blank, all different. */
async function assertFaceGrid(page, side) {
  return eventually(async () => {
    const faces = await allCanvasPixels(page, 'button.face canvas');
    assert.equal(faces.length, 16, 'the grid shows 16 faces');
    for (const [i, face] of faces.entries()) {
      assert.deepEqual([face.width, face.height], [side, side], `face ${i} canvas size`);
      assertNotBlank(face, `face ${i}`);
    }
    const distinct = new Set(faces.map((f) => f.data.toString('base64'))).size;
    assert.equal(distinct, 16, `faces should differ: only ${distinct} distinct of 16`);
    return faces;
  });
}

async function loadError(page) {
  const el = await page.$('#load-error');
  return el ? ((await el.textContent()) ?? '').trim() : '';
}

let main; // { page, errors } of the default page
let webgpuSample; // its WebGPU decode, compared with the CPU one after switching

test('default page draws 16 distinct non-blank faces, on WebGPU when chosen, without console errors', async () => {
  // Headless Chromium's adapter is SwiftShader, so the page starts on the CPU
  // (reliability.test.mjs checks that); the visitor's switch moves it to WebGPU.
  main = await openPage('');
  const { page, errors } = main;
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ready', await text(page, '#status'));
  await page.click('#use-webgpu');
  await page.waitForFunction(() => window.latentlab?.last?.sample?.backend === 'webgpu', null, { timeout: READY_TIMEOUT_MS });
  await waitReady(page);
  assert.equal(await text(page, '#backend'), 'WebGPU');
  assert.equal(await page.getAttribute('#use-webgpu', 'aria-pressed'), 'true');
  await waitDecodes(page, 'sample', 1);
  await quiet(page, 'sample');
  assert.equal(await page.evaluate(() => window.latentlab.backend), 'webgpu');
  await assertFaceGrid(page, 64);
  webgpuSample = await lastDecode(page, 'sample');
  assert.equal(webgpuSample.backend, 'webgpu');
  assert.equal(webgpuSample.z.length, 16 * 200, 'z of 16 celeba faces');
  assert.equal(webgpuSample.pixels.length, 16 * 3 * 64 * 64);
  assert.match(await text(page, '#last-ms'), /^\d+(\.\d+)? ms$/);
  assert.deepEqual(errors, []);
});

test('static constructors run once, not on every call into the wasm (clicks, callbacks, DOM objects)', async () => {
  const { page } = await openPage('?backend=cpu');
  try {
    for (let i = 0; i < 3; i++) await afterDecode(page, 'sample', () => page.click('#new-samples'));
    await navTo(page, 'morph');
    await afterDecode(page, 'morph', () => page.press('#alpha', 'ArrowRight'));
    assert.equal(await page.evaluate(() => window.latentlab.constructorRuns), 1);
  } finally {
    await page.close();
  }
});

test('a CPU visit never downloads the WebGPU build; choosing WebGPU loads it and decodes there', async () => {
  const webgpuBuild = [];
  const { page, errors } = await openPage('?backend=cpu', {
    route: ['**/webgpu/**', (route) => { webgpuBuild.push(route.request().url()); return route.continue(); }],
  });
  try {
    await afterDecode(page, 'sample', () => page.click('#new-samples'));
    assert.deepEqual(webgpuBuild, [], 'the CPU build decodes alone');
    await page.click('#use-webgpu');
    await page.waitForFunction(() => window.latentlab?.last?.sample?.backend === 'webgpu', null, { timeout: READY_TIMEOUT_MS });
    assert.ok(webgpuBuild.some((url) => url.endsWith('/webgpu/latentlab-web_bg.wasm')), webgpuBuild.join(', '));
    assert.equal(await urlParam(page, 'backend'), 'webgpu');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('an engine without relaxed SIMD gets the portable build and decodes on the CPU, equal to the native decode', async () => {
  // Stands in for such an engine: the first module compiled (the CPU build, the one
  // with relaxed SIMD) is refused as it would be there; later ones compile.
  const init = () => {
    const real = { streaming: WebAssembly.instantiateStreaming, plain: WebAssembly.instantiate };
    let refused = false;
    const refuse = () => {
      refused = true;
      return Promise.reject(new WebAssembly.CompileError('relaxed SIMD is not supported (simulated by the test)'));
    };
    WebAssembly.instantiateStreaming = (...args) => (refused ? real.streaming(...args) : refuse());
    WebAssembly.instantiate = (...args) => (refused ? real.plain(...args) : refuse());
  };
  const webgpuBuild = [];
  const { page, errors } = await openPage('?page=sample&weights=weights/fashion-vae&seed=3&backend=cpu', {
    init,
    route: ['**/webgpu/**', (route) => { webgpuBuild.push(route.request().url()); return route.continue(); }],
  });
  try {
    await waitDecodes(page, 'sample', 1);
    await quiet(page, 'sample');
    assert.ok(webgpuBuild.some((url) => url.endsWith('/webgpu/latentlab-web_bg.wasm')), 'the portable build was loaded');
    const decoded = await lastDecode(page, 'sample');
    assert.equal(decoded.backend, 'cpu');
    const native = nativeDecode('fashion-vae', 3, 16);
    assert.ok(maxAbsDiff(decoded.pixels, native.pixels) < 1e-3, 'the portable build decodes what the CLI does');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('parity: WebGPU and CPU decodes of fashion-vae seed 3 equal the native decode', async (t) => {
  const native = nativeDecode('fashion-vae', 3, 16);
  for (const backend of ['webgpu', 'cpu']) {
    const { page, errors } = await openPage(`?page=sample&weights=weights/fashion-vae&seed=3&backend=${backend}`);
    try {
      await waitDecodes(page, 'sample', 1);
      await quiet(page, 'sample');
      const decoded = await lastDecode(page, 'sample');
      assert.equal(decoded.backend, backend);
      assert.equal(await page.evaluate(() => window.latentlab.backend), backend);
      assert.equal(maxAbsDiff(decoded.z, native.z), 0, 'the page draws the same z as the CLI');
      const diff = maxAbsDiff(decoded.pixels, native.pixels);
      t.diagnostic(`${backend}: max |browser - native| = ${diff.toExponential(2)}`);
      assert.ok(diff < 1e-3, `${backend} differs from native by ${diff}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});

test('switching backend with #use-cpu re-decodes the same faces on the CPU', async () => {
  main ??= await openPage('?backend=webgpu');
  const { page, errors } = main;
  await page.click('#use-cpu');
  await page.waitForFunction(() => window.latentlab?.backend === 'cpu' && window.latentlab.last?.sample?.backend === 'cpu',
    null, { timeout: READY_TIMEOUT_MS });
  await quiet(page, 'sample');
  await waitReady(page);
  assert.equal(await text(page, '#backend'), 'CPU (flex)');
  assert.equal(await page.getAttribute('#use-cpu', 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute('#use-webgpu', 'aria-pressed'), 'false');
  assert.equal(await urlParam(page, 'backend'), 'cpu');
  await assertFaceGrid(page, 64);
  if (webgpuSample) {
    const cpu = await lastDecode(page, 'sample');
    assert.equal(maxAbsDiff(cpu.z, webgpuSample.z), 0, 'same faces after the switch');
    const diff = maxAbsDiff(cpu.pixels, webgpuSample.pixels);
    assert.ok(diff < 1e-3, `CPU and WebGPU decodes differ by ${diff}`);
  }
  assert.deepEqual(errors, []);
});

test('missing weights: #status shows an error naming the URL', async () => {
  const { page } = await openPage('?weights=weights/nope&backend=cpu');
  try {
    assert.equal(await page.getAttribute('#status', 'data-state'), 'error');
    assert.match(await text(page, '#status'), /weights\/nope\/manifest\.json: HTTP 404/);
  } finally {
    await page.close();
  }
});

test('own export: a corrupt model keeps the old one with #load-error; a valid export replaces it', async () => {
  main ??= await openPage('?backend=cpu');
  const { page } = main;
  await waitDecodes(page, 'sample', 1);
  await quiet(page, 'sample');
  assert.equal(await loadError(page), '', 'no load error before any upload');

  // Pseudo-random bytes (fixed LCG, so failures reproduce): not a safetensors file.
  const junk = Buffer.alloc(4096);
  for (let i = 0, x = 12345; i < junk.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    junk[i] = x >>> 24;
  }
  await page.setInputFiles('#export-files', [
    { name: 'manifest.json', mimeType: 'application/json', buffer: fs.readFileSync(path.join(weightsDir('celeba-vae'), 'manifest.json')) },
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: junk },
  ]);
  await eventually(async () => assert.match(await loadError(page), /model\.safetensors/), READY_TIMEOUT_MS);
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ready', 'the previous model stays usable');

  const before = await decodeCount(page, 'sample');
  await afterDecode(page, 'sample', () => page.click('#new-samples'));
  assert.ok(await decodeCount(page, 'sample') > before);
  await assertFaceGrid(page, 64);

  const files = ['manifest.json', 'model.safetensors', 'points.safetensors'].map((name) => ({
    name,
    mimeType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    buffer: fs.readFileSync(path.join(weightsDir('fashion-vae'), name)),
  }));
  const decoded = await afterDecode(page, 'sample', () => page.setInputFiles('#export-files', files));
  assert.equal(decoded.pixels.length, 16 * 32 * 32, 'fashion-vae decodes 1x32x32 images');
  await assertFaceGrid(page, 32);
  await eventually(async () => assert.equal(await loadError(page), ''));
});

test('URL state: a morph URL restores alpha, interpolation and the image; keyboard changes reach the URL', async () => {
  const { page, errors } = await openPage('?page=morph&a=3&b=9&alpha=0.3&interp=slerp&backend=cpu');
  try {
    await waitDecodes(page, 'morph', 1);
    await quiet(page, 'morph');
    const first = await lastDecode(page, 'morph');
    const url = page.url();
    for (const [key, value] of Object.entries({ page: 'morph', a: '3', b: '9', interp: 'slerp' })) {
      assert.equal(await urlParam(page, key), value, `URL keeps ${key}`);
    }

    await page.goto(url);
    await settled(page);
    await waitDecodes(page, 'morph', 1);
    await quiet(page, 'morph');
    assert.equal(Number(await page.inputValue('#alpha')), 0.3);
    assert.equal(await page.isChecked('#interp-slerp'), true);
    assert.equal(await page.isChecked('#interp-lerp'), false);
    assert.equal(Number(await page.inputValue('#face-a')), 3);
    assert.equal(Number(await page.inputValue('#face-b')), 9);
    const again = await lastDecode(page, 'morph');
    assert.equal(maxAbsDiff(again.z, first.z), 0, 'same z after reload');
    assert.equal(maxAbsDiff(again.pixels, first.pixels), 0, 'same image after reload');

    await afterDecode(page, 'morph', () => page.press('#alpha', 'ArrowRight'));
    const alpha = Number(await page.inputValue('#alpha'));
    assert.ok(Math.abs(alpha - 0.31) < 1e-9, `ArrowRight moves alpha one step (now ${alpha})`);
    await eventually(async () => assert.ok(Math.abs(Number(await urlParam(page, 'alpha')) - alpha) < 1e-9, page.url()));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a held arrow key rewrites the URL once the slider rests, and a page switch right after keeps the last setting for Back', async () => {
  // Counts history writes: one per rest, not one per step (Chromium ignores history
  // calls past about 200 in 10 s, and each costs the browser process milliseconds).
  const init = () => {
    window.__e2eReplaces = 0;
    const replace = history.replaceState.bind(history);
    history.replaceState = (...args) => { window.__e2eReplaces += 1; return replace(...args); };
  };
  const { page, errors } = await openPage('?page=morph&alpha=0.2&backend=cpu', { init });
  try {
    await waitDecodes(page, 'morph', 1);
    await quiet(page, 'morph');
    const before = await page.evaluate(() => window.__e2eReplaces);
    for (let i = 0; i < 12; i++) await page.press('#alpha', 'ArrowRight');
    await page.waitForFunction(() => Math.abs(Number(new URLSearchParams(location.search).get('alpha')) - 0.32) < 1e-9);
    await page.waitForTimeout(600);
    const writes = await page.evaluate(() => window.__e2eReplaces) - before;
    assert.ok(writes >= 1 && writes <= 4, `12 quick steps rewrote the URL ${writes} times`);

    // A setting changed just before switching pages is not lost from the entry left.
    await page.press('#alpha', 'End');
    assert.equal(await page.evaluate(() => window.latentlab.addressPending), true, 'the write still waits');
    await navTo(page, 'die');
    await page.goBack();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === 'morph');
    await waitReady(page);
    assert.equal(await urlParam(page, 'alpha'), '1', 'Back returns to the alpha set just before leaving');
    assert.equal(await page.inputValue('#alpha'), '1');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('360 px wide: no page scrolls sideways', async () => {
  // The element that shows each page has rendered, and the decode it starts on open.
  const shown = {
    sample: ['button.face', 'sample'], morph: ['#morph', 'morph'], attributes: ['#attributes-face', 'attributes'],
    reconstruct: ['#photo'], stats: ['#histograms'], gan: ['#gan-grid', 'gan'], scatter: ['#scatter-vae'], manifold: ['#manifold', 'manifold'],
    latent3d: ['#cloud'], distributions: ['#projection-cloud'], die: ['#die-plot'], inverse: ['#inverse-pdf'], rejection: ['#rejection-plot'],
    normal: ['#bridge'], scale: ['#scale-histogram'], pmodel: ['#gan-density'],
  };
  const { page, errors } = await openPage('?backend=cpu', { viewport: { width: 360, height: 740 } });
  try {
    const wide = [];
    for (const id of PAGES) {
      if (id !== 'sample') await navTo(page, id);
      const [selector, activity] = shown[id];
      await page.waitForSelector(selector, { state: 'attached' });
      if (activity) await waitDecodes(page, activity, 1);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 360) wide.push(`${id}: ${width}px`);
    }
    assert.deepEqual(wide, [], 'pages wider than 360 px');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('Back and Forward move between three activities without a reload and restore each one\'s settings', async () => {
  const { page, errors } = await openPage('?page=sample&backend=cpu&seed=4');
  try {
    await navTo(page, 'morph');
    await page.press('#alpha', 'End');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('alpha') === '1');
    await navTo(page, 'die');
    await page.click('#throw-10');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('throws') === '10');
    await page.evaluate(() => { window.__e2eSameDocument = true; });
    await page.goBack();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === 'morph');
    await waitReady(page);
    assert.ok(await page.$('#morph-title'), 'the morph activity is shown');
    assert.equal(await page.inputValue('#alpha'), '1', 'its alpha came back with it');
    await page.goBack();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === 'sample');
    await waitReady(page);
    assert.equal(await urlParam(page, 'seed'), '4', 'the sample page keeps its seed');
    assert.ok(await page.$('#new-samples'), 'the sample activity is shown');
    await page.goForward();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === 'morph');
    await waitReady(page);
    assert.equal(await page.inputValue('#alpha'), '1', 'Forward restores the morph too');
    await page.goForward();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === 'die');
    await page.waitForSelector('#die-title');
    assert.equal(await urlParam(page, 'throws'), '10', 'the die keeps its throws');
    assert.equal(await page.getAttribute('#chi-square', 'data-throws'), '10', 'the die page counts its 10 throws');
    assert.equal(await page.evaluate(() => window.__e2eSameDocument), true, 'Back and Forward did not reload');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a link obeys the same limits as the controls: out-of-range values are clamped, unknown words keep their defaults', async () => {
  const cases = [
    ['?page=latent3d&pitch=9&yaw=7&backend=cpu', { pitch: '1.50', yaw: '0.72' }],
    ['?page=die&pmf=500,1,1,1,1,1&u=3&backend=cpu', { pmf: '100,1,1,1,1,1', u: '1' }],
    ['?page=rejection&q=cauchy&target=drawn&m=999&backend=cpu', { q: 'uniform', target: 'drawn', m: '12' }],
    ['?page=morph&alpha=-2&interp=lerp&temp=abc&backend=cpu', { alpha: '0', interp: 'lerp', temp: '1' }],
  ];
  for (const [query, expected] of cases) {
    const { page, errors } = await openPage(query);
    try {
      const [key] = Object.keys(expected);
      await page.waitForFunction(
        ([k, v]) => new URLSearchParams(location.search).get(k) === v, [key, expected[key]]);
      for (const [k, v] of Object.entries(expected)) {
        assert.equal(await urlParam(page, k), v, `${query}: ${k}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});
