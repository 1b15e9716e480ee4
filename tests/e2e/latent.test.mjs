// Browser tests of the latent-space activities: the 2-D scatter of encoded
// Fashion-MNIST points (VAE and AE side by side), the decoded manifold, and the 3-D
// point cloud of the MNIST autoencoder. One page (default backend) is opened and the
// later tests reach their activity through the nav, as a visitor would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  READY_TIMEOUT_MS, afterDecode, assertNotBlank, canvasPixels, decodeCount, eventually, lastDecode, manifest,
  maxAbsDiff, navTo, openPage, points, quiet, setNumber, text, urlParam, useBrowser, waitDecodes,
} from './harness.mjs';

useBrowser();

let shared; // { page, errors }

async function latentPage(query) {
  shared ??= await openPage(query);
  return shared;
}

/** A point of a canvas's box, as fractions of its size. */
async function at(page, selector, fx, fy) {
  // Mouse coordinates are viewport coordinates: bring the canvas into view first.
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  assert.ok(box, `${selector} is not visible`);
  return [box.x + box.width * fx, box.y + box.height * fy];
}

async function nonBlank(page, selector) {
  return eventually(async () => {
    const c = await canvasPixels(page, selector);
    assertNotBlank(c, selector);
    return c;
  }, READY_TIMEOUT_MS);
}

async function changedFrom(page, selector, before, what) {
  return eventually(async () => {
    const c = await canvasPixels(page, selector);
    assert.ok(!c.data.equals(before.data), `${what}: ${selector} did not change`);
    return c;
  });
}

test('scatter: all points and classes shown; the cursor decodes, phi space redraws, arrow keys move', async () => {
  const { page, errors } = await latentPage('?page=scatter');
  const vae = points('fashion-vae');
  const ae = points('fashion-ae');
  await eventually(async () => {
    assert.equal(await page.getAttribute('#scatter-vae', 'data-points'), String(vae.n));
    assert.equal(await page.getAttribute('#scatter-ae', 'data-points'), String(ae.n));
    assert.equal(await page.getAttribute('#scatter-vae', 'data-space'), 'z');
    assert.equal(await page.getAttribute('#scatter-ae', 'data-space'), 'z');
  }, READY_TIMEOUT_MS);
  const classes = manifest('fashion-vae').dataset.classes;
  const legend = await page.$$eval('#legend li', (items) => items.map((li) => li.textContent.trim()));
  assert.equal(legend.length, classes.length, 'one legend entry per class');
  for (const [i, name] of classes.entries()) assert.ok(legend[i].includes(name), `legend ${i} "${legend[i]}" names ${name}`);
  const zView = await nonBlank(page, '#scatter-vae');
  await nonBlank(page, '#scatter-ae');

  // One mousemove per position: each decodes the latent under the cursor.
  const first = await afterDecode(page, 'scatter-vae', async () => page.mouse.move(...await at(page, '#scatter-vae', 0.3, 0.35)));
  assert.equal(first.z.length, 2);
  assert.equal(first.pixels.length, 32 * 32);
  const firstImage = await eventually(async () => {
    const c = await canvasPixels(page, '#decoded-vae');
    assert.deepEqual([c.width, c.height], [32, 32], '#decoded-vae size');
    assertNotBlank(c, '#decoded-vae');
    return c;
  });
  const second = await afterDecode(page, 'scatter-vae', async () => page.mouse.move(...await at(page, '#scatter-vae', 0.7, 0.65)));
  assert.ok(maxAbsDiff(second.z, first.z) > 0, 'the cursor latent moved');
  assert.ok(maxAbsDiff(second.pixels, first.pixels) > 1e-3, 'another latent decodes to another image');
  await changedFrom(page, '#decoded-vae', firstImage, 'second cursor position');

  await page.click('#space-phi');
  await eventually(async () => {
    assert.equal(await page.getAttribute('#scatter-vae', 'data-space'), 'phi');
    assert.equal(await page.getAttribute('#scatter-ae', 'data-space'), 'phi');
    assert.equal(await page.getAttribute('#space-phi', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('#space-z', 'aria-pressed'), 'false');
  });
  await changedFrom(page, '#scatter-vae', zView, 'phi space');
  assert.equal(await urlParam(page, 'space'), 'phi');

  const hovered = await afterDecode(page, 'scatter-ae', async () => page.mouse.move(...await at(page, '#scatter-ae', 0.5, 0.5)));
  await page.focus('#scatter-ae');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'scatter-ae', '#scatter-ae takes keyboard focus');
  const stepped = await afterDecode(page, 'scatter-ae', () => page.keyboard.press('ArrowRight'));
  assert.ok(maxAbsDiff(stepped.z, hovered.z) > 0, 'ArrowRight moves the cursor latent');
  assert.deepEqual(errors, []);
});

test('manifold: 12x12 tiles by default; n = 5 gives 25 different tiles of 32 px with 2 px gaps', async () => {
  const { page, errors } = await latentPage('?page=manifold');
  const m = manifest('fashion-vae');
  const size = m.channels * m.height * m.width;
  const width = (n) => n * 32 + (n - 1) * 2;
  if ((await urlParam(page, 'page') ?? 'sample') === 'manifold') {
    await waitDecodes(page, 'manifold', 1);
    await quiet(page, 'manifold');
  } else {
    await afterDecode(page, 'manifold', () => navTo(page, 'manifold'));
  }
  assert.equal(Number(await page.inputValue('#manifold-n')), 12);
  const twelve = await lastDecode(page, 'manifold');
  assert.equal(twelve.pixels.length, 144 * size);
  await eventually(async () => {
    const c = await canvasPixels(page, '#manifold');
    assert.deepEqual([c.width, c.height], [width(12), width(12)]);
    assertNotBlank(c, '#manifold');
  });

  const five = await afterDecode(page, 'manifold', () => setNumber(page, '#manifold-n', 5));
  assert.equal(five.pixels.length, 25 * size, '25 decoded images');
  assert.equal(await urlParam(page, 'n'), '5');
  const cells = [...Array(25).keys()].map((i) => Buffer.from(five.pixels.buffer, i * size * 4, size * 4).toString('base64'));
  assert.ok(new Set(cells).size > 1, 'the manifold tiles are not all the same');
  const canvas = await eventually(async () => {
    const c = await canvasPixels(page, '#manifold');
    assert.deepEqual([c.width, c.height], [width(5), width(5)]);
    return c;
  });
  // Top-left and bottom-right tiles (rows of 32 RGBA pixels at 34 px pitch) differ.
  const tile = (row, col) => Buffer.concat([...Array(32).keys()].map((y) => {
    const start = ((row * 34 + y) * canvas.width + col * 34) * 4;
    return canvas.data.subarray(start, start + 32 * 4);
  }));
  assert.ok(!tile(0, 0).equals(tile(4, 4)), 'corner tiles of the canvas are identical');
  assert.deepEqual(errors, []);
});

test('latent3d: all points drawn; drag and #yaw rotate; picking by index and by click decodes that point', async () => {
  const { page, errors } = await latentPage('?page=latent3d');
  if ((await urlParam(page, 'page') ?? 'sample') !== 'latent3d') await navTo(page, 'latent3d');
  const pts = points('mlp-ae');
  const classes = manifest('mlp-ae').dataset.classes;
  await eventually(async () => assert.equal(await page.getAttribute('#cloud', 'data-points'), String(pts.n)), READY_TIMEOUT_MS);
  const still = await nonBlank(page, '#cloud');

  const [cx, cy] = await at(page, '#cloud', 0.5, 0.5);
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + 80, cy + 30, { steps: 5 });
  await page.mouse.up();
  const dragged = await changedFrom(page, '#cloud', still, 'mouse drag');
  // Step away from whichever end the slider is nearer.
  const yaw = await page.$eval('#yaw', (i) => [Number(i.value), Number(i.min), Number(i.max)]);
  const key = yaw[0] - yaw[1] < yaw[2] - yaw[0] ? 'ArrowRight' : 'ArrowLeft';
  for (let i = 0; i < 5; i++) await page.press('#yaw', key);
  await changedFrom(page, '#cloud', dragged, '#yaw');

  const picked = await afterDecode(page, 'latent3d', () => setNumber(page, '#pick-index', 10));
  await eventually(async () => assert.equal(await page.getAttribute('#cloud', 'data-picked'), '10'));
  assert.equal(maxAbsDiff(picked.z, pts.z.subarray(10 * pts.d, 11 * pts.d)), 0, 'z is point 10 of points.safetensors');
  assert.equal(picked.pixels.length, 28 * 28);
  const label = await text(page, '#picked-label');
  assert.ok(label.includes(classes[pts.labels[10]]), `"${label}" names class ${classes[pts.labels[10]]}`);
  assert.ok(label.includes('10'), `"${label}" names point 10`);
  await eventually(async () => {
    const c = await canvasPixels(page, '#picked');
    assert.deepEqual([c.width, c.height], [28, 28], '#picked size');
    assertNotBlank(c, '#picked');
  });

  // Clicks in the middle of the cloud, where points are dense, until one picks another point.
  let index = null;
  for (const [fx, fy] of [[0.5, 0.5], [0.45, 0.45], [0.55, 0.55], [0.5, 0.4], [0.4, 0.6], [0.6, 0.45]]) {
    const before = await decodeCount(page, 'latent3d');
    await page.mouse.click(...await at(page, '#cloud', fx, fy));
    const now = await page.waitForFunction(() => {
      const v = document.querySelector('#cloud')?.dataset.picked;
      return v !== undefined && v !== '10' ? v : null;
    }, null, { timeout: 3000 }).then((h) => h.jsonValue(), () => null);
    if (now !== null) {
      index = Number(now);
      await waitDecodes(page, 'latent3d', before + 1);
      break;
    }
  }
  assert.ok(index !== null, 'clicking the cloud picked no other point');
  await eventually(async () => {
    const last = await lastDecode(page, 'latent3d');
    assert.equal(maxAbsDiff(last.z, pts.z.subarray(index * pts.d, (index + 1) * pts.d)), 0, `z is point ${index}`);
  });
  assert.deepEqual(errors, []);
});
