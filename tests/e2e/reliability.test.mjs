// What a visitor's bad luck does to the page: a software WebGPU adapter, a download
// that breaks off, a file that is not a photo, a photo too big to open, a lost GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  useBrowser, openPage, text, navTo, waitReady, eventually, waitDecodes, quiet, lastDecode, settled, READY_TIMEOUT_MS,
} from './harness.mjs';

useBrowser();

test('a slow download: the page shows its shell before the wasm arrives, and the app replaces it', async () => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const { page, errors } = await openPage('', {
    route: ['**/*_bg.wasm', async (route) => { await held; await route.continue(); }],
    settle: false,
  });
  try {
    await page.waitForSelector('#boot');
    assert.equal(await text(page, '#boot h1'), 'latentlab');
    assert.match(await text(page, '#boot [role="status"]'), /Loading the page/);
    release();
    await settled(page);
    assert.equal(await page.$('#boot'), null, 'the app replaced the shell');
    assert.equal(await text(page, 'header h1'), 'latentlab');
    assert.deepEqual(errors, []);
  } finally {
    release();
    await page.close();
  }
});

test('a software WebGPU adapter (SwiftShader here) is offered but the page decodes on the CPU and says why', async () => {
  const { page, errors } = await openPage('');
  try {
    assert.equal(await text(page, '#backend'), 'CPU (flex)');
    assert.equal(await page.getAttribute('#use-cpu', 'aria-pressed'), 'true');
    assert.equal(await page.isDisabled('#use-webgpu'), false, 'WebGPU stays on offer');
    assert.match(await page.getAttribute('#use-webgpu', 'title'), /software WebGPU/);
    assert.match(await text(page, '#backend-note'), /swiftshader.*CPU/);
    await page.click('#use-webgpu');
    await page.waitForFunction(() => window.latentlab?.last?.sample?.backend === 'webgpu', null, { timeout: READY_TIMEOUT_MS });
    assert.equal(await page.$('#backend-note'), null, 'the note goes once the visitor chose');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('weights that break off halfway: #status names the file, and pages without a model still work', async () => {
  const { page } = await openPage('?weights=halfway/weights/celeba-vae&backend=cpu');
  try {
    assert.equal(await page.getAttribute('#status', 'data-state'), 'error');
    assert.match(await text(page, '#status'), /model\.safetensors broke off before it finished/);
    await navTo(page, 'die');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'ready');
    assert.ok(await page.$('#die-plot'), 'the die page is shown');
  } finally {
    await page.close();
  }
});

test('your photo: a non-image file and a too-large file get messages naming them; the page stays usable', async () => {
  const { page, errors } = await openPage('?page=reconstruct&backend=cpu');
  try {
    await waitReady(page);
    await page.setInputFiles('#photo', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
    await eventually(async () => assert.match(await text(page, '#load-error'), /notes\.png: the browser cannot read this file as an image/));
    const huge = Buffer.alloc(41 * 1024 * 1024, 7);
    await page.setInputFiles('#photo', { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: huge });
    await eventually(async () => assert.match(await text(page, '#load-error'), /huge\.jpg: 41 MB is larger than the 40 MB/));
    assert.equal(await page.getAttribute('#status', 'data-state'), 'ready');
    await navTo(page, 'sample');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'ready');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  } finally {
    await page.close();
  }
});

test('a lost WebGPU device: the page falls back to the CPU, says so, and redraws the view', async () => {
  // Keep every device the page asks for, so the test can destroy it as a GPU reset would.
  const init = () => {
    const requestDevice = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (...args) {
      const device = await requestDevice.apply(this, args);
      window.__gpuDevices = (window.__gpuDevices || []).concat([device]);
      return device;
    };
  };
  const { page, errors } = await openPage('?page=sample&backend=webgpu', { init });
  try {
    await waitDecodes(page, 'sample', 1);
    await quiet(page, 'sample');
    assert.equal((await lastDecode(page, 'sample')).backend, 'webgpu');
    await page.evaluate(() => window.__gpuDevices.forEach((device) => device.destroy()));
    await page.click('#new-samples');
    await page.waitForFunction(() => window.latentlab?.last?.sample?.backend === 'cpu', null, { timeout: READY_TIMEOUT_MS });
    assert.match(await text(page, '#backend-note'), /WebGPU stopped working .*switched to the CPU/);
    assert.equal(await text(page, '#backend'), 'CPU (flex)');
    assert.equal(await page.isDisabled('#use-webgpu'), true);
    assert.equal(await page.$('#load-error'), null, 'a device loss is not shown as a load error');
    await assertFaceGridDrawn(page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

async function assertFaceGridDrawn(page) {
  const last = await lastDecode(page, 'sample');
  assert.equal(last.pixels.length, 16 * 3 * 64 * 64);
  assert.ok(last.pixels.some((v) => v > 0.05), 'the CPU decode is not blank');
}
