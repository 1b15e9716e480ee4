// Browser tests of the face activities (celeba-vae): sample grid, morph, attribute
// sliders, reconstructing a photo, latent statistics. Images are compared through the
// window.latentlab hook (raw floats) against the native CLI, and through the canvases.
// The attributes test's CPU page is reused for reconstruct and stats (page loads are slow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  READY_TIMEOUT_MS, afterDecode, decodeCount, allCanvasPixels, assertNotBlank, canvasPixels, celebaPhotos, channelMajor,
  eventually, lastDecode, manifest, maxAbsDiff, meanAbsDiff, nativeDecode, nativeFace, navTo, openPage, points,
  quiet, setNumber, text, urlParam, useBrowser, waitDecodes,
} from './harness.mjs';

useBrowser();

const FACE_SIZE = 3 * 64 * 64;

/** Waits for the first decode of `activity` after opening a page (and any decode right behind it). */
async function firstDecode(page, activity) {
  await waitDecodes(page, activity, 1);
  await quiet(page, activity);
  return lastDecode(page, activity);
}

async function faceIds(page) {
  return page.$$eval('button.face', (buttons) => buttons.map((b) => Number(b.dataset.face)));
}

test('sample: temperature 0 by keyboard, picking a face, new samples; CPU faces 0..15 match native', async (t) => {
  await t.test('webgpu controls', async () => {
    const { page, errors } = await openPage('?page=sample&backend=webgpu&model=vae');
    try {
      await firstDecode(page, 'sample');
      // Home puts the range at its minimum: temperature 0, so every z is 0.
      const flat = await afterDecode(page, 'sample', () => page.press('#temperature', 'Home'));
      assert.equal(Number(await page.inputValue('#temperature')), 0);
      assert.ok(flat.z.every((v) => v === 0), 'temperature 0 gives z = 0');
      assert.equal(Number(await urlParam(page, 'temp')), 0);
      await eventually(async () => {
        const faces = await allCanvasPixels(page, 'button.face canvas');
        assert.equal(faces.length, 16);
        assertNotBlank(faces[0], 'face at z = 0');
        for (const [i, face] of faces.entries()) assert.ok(face.data.equals(faces[0].data), `face ${i} differs from face 0`);
      });

      const button = page.locator('button.face').nth(4);
      const id = await button.getAttribute('data-face');
      await button.click();
      await eventually(async () => {
        assert.equal(await button.getAttribute('aria-pressed'), 'true');
        assert.equal(await page.locator('button.face[aria-pressed="true"]').count(), 1, 'one current face');
        assert.match(await text(page, '#current-face'), new RegExp(`\\b${id}\\b`));
        assert.equal(await urlParam(page, 'face'), id);
      });

      const ids = await faceIds(page);
      assert.deepEqual(ids, ids.map((_, i) => ids[0] + i), 'the grid shows consecutive face ids');
      await afterDecode(page, 'sample', () => page.click('#new-samples'));
      await eventually(async () => assert.deepEqual(await faceIds(page), ids.map((k) => k + 16)));
      assert.equal(Number(await page.inputValue('#seed')), ids[0] + 16);
      assert.equal(Number(await urlParam(page, 'seed')), ids[0] + 16);
      // The test hook keeps every decode's time, not only the first (latency.mjs reads them).
      const times = await page.evaluate(() => window.latentlab.ms.sample);
      assert.equal(times.length, await decodeCount(page, 'sample'));
      assert.ok(times.length >= 2 && times.every((ms) => ms > 0), JSON.stringify(times));
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  // The page multiplies with its own wasm kernels (blocks/gemm128.rs) and the CLI
  // with the gemm crate, both on the folded network: they must agree to 1e-5.
  await t.test('cpu decode of faces 0..15 equals native', async (t) => {
    const native = nativeDecode('celeba-vae', 0, 16);
    const { page, errors } = await openPage('?page=sample&backend=cpu&seed=0&model=vae');
    try {
      const decoded = await firstDecode(page, 'sample');
      assert.equal(decoded.backend, 'cpu');
      assert.deepEqual(await faceIds(page), [...Array(16).keys()]);
      assert.equal(maxAbsDiff(decoded.z, native.z), 0, 'the page draws the same z as the CLI');
      const diff = maxAbsDiff(decoded.pixels, native.pixels);
      t.diagnostic(`cpu: max |browser - native| = ${diff.toExponential(2)}`);
      assert.ok(diff < 1e-5, `differs from native by ${diff}`);
      // "How good is this model?" shows the distances `latentlab eval` stored, with the floor.
      const { fidelity } = manifest('celeba-vae');
      assert.ok(fidelity, 'the shipped manifest carries eval\'s distances from real faces');
      await page.click('#model-quality summary');
      const quality = await text(page, '#model-quality');
      assert.ok(quality.includes(`Fréchet ${fidelity.samples.frechet.toFixed(1)}`), quality);
      assert.ok(quality.includes(`real faces: ${fidelity.floor.frechet.toFixed(1)}`), quality);
      assert.match(await text(page, '#fidelity-meaning'), /not comparable with published FIDs/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});

// The page opens on whichever shipped model's samples are closer to real faces (the
// lower Fréchet distance in its manifest); the switch names both distances and
// decodes the other model's faces as the CLI does.
test('sample: opens on the face model with the lower Fréchet distance; the switch decodes the other', async (t) => {
  const frechet = (name) => manifest(name).fidelity.samples.frechet;
  const models = { vae: 'celeba-vae', gan: 'celeba-gan' };
  const best = frechet('celeba-gan') < frechet('celeba-vae') ? 'gan' : 'vae';
  const other = best === 'gan' ? 'vae' : 'gan';
  const { page, errors } = await openPage('?page=sample&backend=cpu&seed=0');
  try {
    const first = await firstDecode(page, 'sample');
    assert.equal(await page.isChecked(`#sample-model-${best}`), true, `opens on the ${best}`);
    for (const [word, name] of Object.entries(models)) {
      const label = await text(page, `label:has(#sample-model-${word})`);
      assert.ok(label.includes(`Fréchet distance ${frechet(name).toFixed(1)}`), label);
    }
    const check = (decoded, word) => {
      const native = nativeDecode(models[word], 0, 16);
      assert.equal(maxAbsDiff(decoded.z, native.z), 0, `the ${word}'s z are the CLI's`);
      const diff = maxAbsDiff(decoded.pixels, native.pixels);
      t.diagnostic(`${word}: max |browser - native| = ${diff.toExponential(2)}`);
      assert.ok(diff < 1e-3, `${word} differs from native by ${diff}`);
    };
    check(first, best);
    assert.equal(await urlParam(page, 'model'), null, 'the default is not written into the link');
    const switched = await afterDecode(page, 'sample', () => page.check(`#sample-model-${other}`));
    check(switched, other);
    assert.equal(await urlParam(page, 'model'), other);
    // Picking a VAE face makes it the current face; a GAN face becomes the GAN page's face A.
    assert.equal(await page.$('#current-face') !== null, other === 'vae');
    await page.click('button.face[data-face="3"]');
    await eventually(async () => assert.equal(await urlParam(page, other === 'vae' ? 'face' : 'ga'), '3'));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('morph: alpha 0 is face A, End is face B, in between differs, strip has 8 frames, slerp differs', async (t) => {
  const A = nativeFace('celeba-vae', 2);
  const B = nativeFace('celeba-vae', 7);
  for (const backend of ['webgpu', 'cpu']) {
    await t.test(backend, async (t) => {
      const { page, errors } = await openPage(`?page=morph&a=2&b=7&alpha=0&interp=lerp&backend=${backend}`);
      try {
        await waitDecodes(page, 'strip', 1);
        let d = await firstDecode(page, 'morph');
        assert.equal(d.backend, backend);
        assert.ok(maxAbsDiff(d.z, A.z) < 1e-6, 'alpha 0: z is face 2');
        let diff = maxAbsDiff(d.pixels, A.pixels);
        t.diagnostic(`alpha 0: max |page - native face 2| = ${diff.toExponential(2)}`);
        assert.ok(diff < 1e-3, `alpha 0 differs from face 2 by ${diff}`);
        const canvasA = await eventually(async () => {
          const c = await canvasPixels(page, '#morph');
          assertNotBlank(c, '#morph');
          return c;
        });

        // The strip: 8 frames from A to B.
        const strip = await lastDecode(page, 'strip');
        assert.equal(strip.pixels.length, 8 * FACE_SIZE, 'strip decodes 8 frames');
        assert.ok(maxAbsDiff(strip.pixels.subarray(0, FACE_SIZE), A.pixels) < 1e-3, 'first frame is A');
        assert.ok(maxAbsDiff(strip.pixels.subarray(7 * FACE_SIZE), B.pixels) < 1e-3, 'last frame is B');
        await eventually(async () => {
          const c = await canvasPixels(page, '#strip');
          assert.ok(c.width * c.height >= 8 * 64 * 64, `#strip is ${c.width}x${c.height}: too small for 8 frames`);
          assertNotBlank(c, '#strip');
        });

        d = await afterDecode(page, 'morph', () => page.press('#alpha', 'End'));
        assert.equal(Number(await page.inputValue('#alpha')), 1);
        assert.ok(maxAbsDiff(d.z, B.z) < 1e-5, 'alpha 1: z is face 7');
        diff = maxAbsDiff(d.pixels, B.pixels);
        t.diagnostic(`alpha 1: max |page - native face 7| = ${diff.toExponential(2)}`);
        assert.ok(diff < 1e-3, `alpha 1 differs from face 7 by ${diff}`);
        const canvasB = await eventually(async () => {
          const c = await canvasPixels(page, '#morph');
          assert.ok(!c.data.equals(canvasA.data), '#morph did not change at alpha 1');
          return c;
        });

        // Ten steps back (alpha 0.9); wait for the decode whose z is the lerp at the slider's value.
        for (let i = 0; i < 10; i++) await page.press('#alpha', 'ArrowLeft');
        const alpha = Number(await page.inputValue('#alpha'));
        assert.ok(alpha > 0 && alpha < 1, `alpha ${alpha} is intermediate`);
        const expected = A.z.map((a, i) => a + alpha * (B.z[i] - a));
        const lerp = await eventually(async () => {
          const m = await lastDecode(page, 'morph');
          assert.ok(maxAbsDiff(m.z, expected) < 1e-5, 'morph z is the lerp at the slider value');
          return m;
        }, READY_TIMEOUT_MS);
        await quiet(page, 'morph');
        assert.ok(maxAbsDiff(lerp.pixels, A.pixels) > 5e-3, 'intermediate image differs from A');
        assert.ok(maxAbsDiff(lerp.pixels, B.pixels) > 5e-3, 'intermediate image differs from B');
        await eventually(async () => {
          const c = await canvasPixels(page, '#morph');
          assert.ok(!c.data.equals(canvasA.data) && !c.data.equals(canvasB.data), 'intermediate #morph canvas');
        });

        const slerp = await afterDecode(page, 'morph', () => page.check('#interp-slerp'));
        assert.equal(await urlParam(page, 'interp'), 'slerp');
        assert.ok(maxAbsDiff(slerp.pixels, lerp.pixels) > 1e-3, 'slerp changes the intermediate image');
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }
});

let cpu; // { page, errors }: the attributes page, reused by reconstruct and stats

test('attributes: Smiling End/Home change face 4 both ways, reset restores it exactly, URL keeps attrs', async (t) => {
  cpu = await openPage('?page=attributes&face=4&backend=cpu');
  const { page, errors } = cpu;
  const sliders = await page.$$eval('input[type=range][id^="attr-"]', (inputs) =>
    inputs.map((i) => ({ id: i.id, min: i.min, max: i.max, step: i.step, value: i.value })));
  const names = manifest('celeba-vae').attributes.map((a) => a.name);
  assert.deepEqual(sliders.map((s) => s.id).sort(), names.map((n) => `attr-${n}`).sort(), 'one slider per attribute');
  for (const s of sliders) assert.deepEqual([s.min, s.max, s.step, s.value].map(Number), [-3, 3, 0.1, 0], s.id);

  const neutral = await firstDecode(page, 'attributes');
  const diff = maxAbsDiff(neutral.pixels, nativeFace('celeba-vae', 4).pixels);
  t.diagnostic(`neutral: max |page - native face 4| = ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-3, `neutral image is not face 4 (${diff})`);
  const neutralCanvas = await eventually(async () => {
    const c = await canvasPixels(page, '#attributes-face');
    assertNotBlank(c, '#attributes-face');
    return c;
  });

  const plus = await afterDecode(page, 'attributes', () => page.press('#attr-Smiling', 'End'));
  assert.equal(Number(await page.inputValue('#attr-Smiling')), 3);
  const minus = await afterDecode(page, 'attributes', () => page.press('#attr-Smiling', 'Home'));
  assert.equal(Number(await page.inputValue('#attr-Smiling')), -3);
  assert.match(await urlParam(page, 'attrs') ?? '', /Smiling:-3/);
  assert.ok(maxAbsDiff(plus.pixels, neutral.pixels) > 1e-3, '+Smiling changes the face');
  assert.ok(maxAbsDiff(minus.pixels, neutral.pixels) > 1e-3, '-Smiling changes the face');
  assert.ok(maxAbsDiff(plus.pixels, minus.pixels) > 1e-3, '+Smiling and -Smiling differ');

  const reset = await afterDecode(page, 'attributes', () => page.click('#attr-reset'));
  assert.equal(Number(await page.inputValue('#attr-Smiling')), 0);
  assert.equal(maxAbsDiff(reset.pixels, neutral.pixels), 0, 'reset decodes the neutral face exactly');
  await eventually(async () => assert.ok((await canvasPixels(page, '#attributes-face')).data.equals(neutralCanvas.data)));
  assert.deepEqual(errors, []);
});

test('reconstruct: a CelebA photo is reconstructed closely; "use photo" makes it the face for attributes', async (t) => {
  const [photo] = celebaPhotos(1);
  cpu ??= await openPage('?page=attributes&backend=cpu');
  const { page, errors } = cpu;
  await navTo(page, 'reconstruct');
  const rec = await afterDecode(page, 'reconstruct', () => page.setInputFiles('#photo', photo));
  const original = await eventually(async () => {
    const c = await canvasPixels(page, '#photo-original');
    assert.deepEqual([c.width, c.height], [64, 64], '#photo-original size');
    assertNotBlank(c, '#photo-original');
    return c;
  });
  await eventually(async () => assertNotBlank(await canvasPixels(page, '#photo-reconstruction'), '#photo-reconstruction'));
  assert.equal(rec.z.length, 200);
  const input = channelMajor(original);
  const recError = meanAbsDiff(rec.pixels, input);
  const otherError = meanAbsDiff(nativeFace('celeba-vae', 1).pixels, input);
  t.diagnostic(`mean |reconstruction - photo| = ${recError.toFixed(4)}, another face: ${otherError.toFixed(4)}`);
  assert.ok(recError < 0.2, `reconstruction is far from the photo (${recError})`);
  assert.ok(recError < otherError, 'the reconstruction is closer to the photo than another face is');

  await page.click('#use-photo');
  await eventually(async () => assert.match(await text(page, '#current-face'), /your photo/));
  const base = await afterDecode(page, 'attributes', () => navTo(page, 'attributes'));
  assert.match(await text(page, '#current-face'), /your photo/);
  assert.ok(maxAbsDiff(base.z, rec.z) < 1e-6, 'attributes start from the photo\'s latent');
  const moved = await afterDecode(page, 'attributes', () => page.press('#attr-Smiling', 'End'));
  assert.ok(maxAbsDiff(moved.pixels, base.pixels) > 1e-3, 'a slider still changes the photo');
  assert.deepEqual(errors, []);
});

test('stats: histograms of all encoded faces, 100 dims at a time, #first-dim moves the window, sampled z or means', async () => {
  cpu ??= await openPage('?page=attributes&backend=cpu');
  const { page, errors } = cpu;
  await navTo(page, 'stats');
  const { n } = points('celeba-vae');
  const before = await eventually(async () => {
    assert.equal(await page.getAttribute('#histograms', 'data-faces'), String(n));
    assert.equal(await page.getAttribute('#histograms', 'data-dims'), '0-99');
    const c = await canvasPixels(page, '#histograms');
    assertNotBlank(c, '#histograms');
    return c;
  }, READY_TIMEOUT_MS);
  await setNumber(page, '#first-dim', 100);
  await eventually(async () => {
    assert.equal(await page.getAttribute('#histograms', 'data-dims'), '100-199');
    assert.ok(!(await canvasPixels(page, '#histograms')).data.equals(before.data), 'histograms did not change');
  });
  assert.equal(await urlParam(page, 'dim'), '100');
  // Sampled z (the default) and the posterior means are different histograms.
  assert.equal(await page.getAttribute('#histograms', 'data-draw'), 'sampled');
  const sampled = await canvasPixels(page, '#histograms');
  await page.click('#hist-means');
  await eventually(async () => {
    assert.equal(await page.getAttribute('#histograms', 'data-draw'), 'means');
    assert.ok(!(await canvasPixels(page, '#histograms')).data.equals(sampled.data), 'means look like the samples');
  });
  assert.equal(await urlParam(page, 'hist'), 'means');
  assert.deepEqual(errors, []);
});
