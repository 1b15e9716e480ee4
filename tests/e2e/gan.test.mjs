// Browser tests of the GAN faces activity (celeba-gan beside celeba-vae): the grid
// decodes to the native CLI's pixels under both priors, the prior switch changes z and
// nothing else, the interpolation strip runs from face A to face B, the side-by-side
// feeds the VAE the same z, and a GAN's export is refused where an encoder is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  READY_TIMEOUT_MS, afterDecode, assertNotBlank, canvasPixels, eventually, lastDecode, maxAbsDiff, nativeDecode,
  openPage, quiet, setNumber, text, urlParam, useBrowser, waitDecodes,
} from './harness.mjs';

useBrowser();

const FACE = 3 * 64 * 64;
const DIM = 200;

test('GAN faces: CPU grid equals native under both priors, strip A -> B, the same z through the VAE', async (t) => {
  const { page, errors } = await openPage('?page=gan&backend=cpu&seed=0');
  try {
    await waitDecodes(page, 'gan', 1);
    await quiet(page, 'gan');
    const normal = await lastDecode(page, 'gan');
    const native = nativeDecode('celeba-gan', 0, 16);
    assert.equal(normal.backend, 'cpu');
    assert.equal(normal.pixels.length, 16 * FACE);
    assert.equal(maxAbsDiff(normal.z, native.z), 0, 'the page draws the CLI\'s z');
    let diff = maxAbsDiff(normal.pixels, native.pixels);
    t.diagnostic(`gaussian prior: max |browser - native| = ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-3, `differs from native by ${diff}`);
    assert.equal(await page.isChecked('#gan-prior-gaussian'), true, 'the prior it trained on is chosen');
    assert.match(await text(page, '#gan-prior-note'), /trained on z from the Gaussian/);
    await eventually(async () => assertNotBlank(await canvasPixels(page, '#gan-face-0'), '#gan-face-0'));
    assert.equal(await page.$$eval('#gan-grid button.face', (b) => b.length), 16);

    const uniform = await afterDecode(page, 'gan', () => page.check('#gan-prior-uniform'));
    assert.equal(await urlParam(page, 'zprior'), 'uniform');
    assert.ok(uniform.z.every((v) => v >= -1 && v <= 1), 'uniform z lie in [-1, 1]');
    assert.ok(maxAbsDiff(uniform.z, normal.z) > 0.5, 'the prior switch draws other z');
    const nativeUniform = nativeDecode('celeba-gan', 0, 16, ['--prior', 'uniform']);
    diff = maxAbsDiff(uniform.pixels, nativeUniform.pixels);
    t.diagnostic(`uniform prior: max |browser - native| = ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-3, `uniform decode differs from native by ${diff}`);
    assert.match(await text(page, '#gan-prior-note'), /uniform z/);

    // The strip: 8 frames from face A to face B under the chosen prior; clicking a face makes it A.
    await page.click('#gan-grid button.face[data-face="0"]');
    assert.equal(await page.inputValue('#gan-a'), '0');
    await setNumber(page, '#gan-b', 5);
    await eventually(async () => {
      const strip = await lastDecode(page, 'gan-strip');
      assert.equal(strip.pixels.length, 8 * FACE);
      assert.ok(maxAbsDiff(strip.z.subarray(7 * DIM), uniform.z.subarray(5 * DIM, 6 * DIM)) < 1e-6, 'last frame is face 5');
    });
    const strip = await lastDecode(page, 'gan-strip');
    assert.ok(maxAbsDiff(strip.pixels.subarray(0, FACE), uniform.pixels.subarray(0, FACE)) < 1e-4, 'first frame is face A');
    assert.equal(await urlParam(page, 'gb'), '5');

    // The same eight z through the face VAE's decoder.
    await eventually(async () => {
      const vae = await lastDecode(page, 'gan-vae');
      assert.equal(maxAbsDiff(vae.z, uniform.z.subarray(0, 8 * DIM)), 0, 'the VAE gets the GAN\'s z');
    }, READY_TIMEOUT_MS);
    await eventually(async () => assertNotBlank(await canvasPixels(page, '#vae-row'), '#vae-row'));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

// fashion-gan ships with a twin trained on uniform z: under the uniform prior the page
// shows the first eight z through both generators, the twin decoding as the CLI does.
// celeba-gan has no twin: the page says so and links to the pair.
test('GAN prior twins: the generator trained on the chosen prior beside the one that was not', async (t) => {
  const FASHION_DIM = 64;
  const { page, errors } = await openPage('?page=gan&weights=weights/fashion-gan&backend=cpu&seed=0&zprior=uniform');
  try {
    await waitDecodes(page, 'gan-twin', 1);
    await quiet(page, 'gan-twin');
    const grid = await lastDecode(page, 'gan');
    const twin = await lastDecode(page, 'gan-twin');
    assert.equal(maxAbsDiff(twin.z, grid.z.subarray(0, 8 * FASHION_DIM)), 0, 'the twin gets the grid\'s first eight z');
    const native = nativeDecode('fashion-gan-uniform', 0, 8);
    assert.equal(maxAbsDiff(twin.z, native.z), 0, 'uniform z as the CLI draws them for the uniform generator');
    const diff = maxAbsDiff(twin.pixels, native.pixels);
    t.diagnostic(`twin: max |browser - native| = ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-3, `the twin differs from native by ${diff}`);
    await eventually(async () => assertNotBlank(await canvasPixels(page, '#gan-twin-row'), '#gan-twin-row'));
    // Under the prior the shown generator trained on, there is nothing to set beside it.
    await page.check('#gan-prior-gaussian');
    await eventually(async () => assert.equal(await page.$('#gan-twin-row'), null));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
  const celeba = await openPage('?page=gan&backend=cpu&zprior=uniform');
  try {
    await waitDecodes(celeba.page, 'gan', 1);
    assert.match(await text(celeba.page, '#gan-no-twin'), /No generator trained on the uniform/);
    assert.equal(await celeba.page.getAttribute('#gan-no-twin a', 'href'), '?page=gan&weights=weights/fashion-gan&zprior=uniform');
    assert.deepEqual(celeba.errors, []);
  } finally {
    await celeba.page.close();
  }
});

test('a GAN export where an encoder is needed: the error names the model and the reason', async () => {
  const { page } = await openPage('?page=sample&weights=weights/celeba-gan&backend=cpu');
  try {
    await eventually(async () => assert.equal(await page.getAttribute('#status', 'data-state'), 'error'), READY_TIMEOUT_MS);
    assert.match(await text(page, '#status'), /celeba-gan is a GAN's generator: it has no encoder/);
  } finally {
    await page.close();
  }
});
