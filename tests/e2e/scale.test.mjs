// Browser tests of the GPU-scale page: the same draws on the CPU (wasm) and on
// WebGPU (SwiftShader here), each tested by the page's own chi-square, and the two
// tallies compared bin by bin. 10^6 draws keep CI quick; latency.mjs times 10^7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNotBlank, canvasPixels, openPage, urlParam, useBrowser } from './harness.mjs';

useBrowser();

const DRAWS = 1_000_000;

/** Clicks `button` and returns the data of the new results row it produces. */
async function run(page, button, backend) {
  const before = await page.locator(`tr.scale-run[data-backend="${backend}"]`).count();
  await page.click(button);
  await page.waitForFunction(
    ([b, n]) => document.querySelectorAll(`tr.scale-run[data-backend="${b}"]`).length > n,
    [backend, before], { timeout: 180_000 });
  return page.$eval(`tr.scale-run[data-backend="${backend}"]`, (row) => ({
    draws: Number(row.dataset.draws),
    accepted: Number(row.dataset.accepted),
    ms: Number(row.dataset.ms),
    chi: Number(row.dataset.chi),
    p: Number(row.dataset.p),
    counts: row.dataset.counts.split(',').map(Number),
  }));
}

/** Sum over bins of |a - b|: how many draws landed in another bin. */
const binDifference = (a, b) => a.reduce((sum, x, i) => sum + Math.abs(x - b[i]), 0);

test('inverse transform at scale: CPU and WebGPU tallies both pass chi-square and agree bin by bin', async () => {
  const { page, errors } = await openPage(`?page=scale&method=inverse&dist=mixture&draws=${DRAWS}&backend=webgpu`);
  await page.waitForSelector('#run-webgpu:not([disabled])');
  const cpu = await run(page, '#run-cpu', 'cpu');
  const gpu = await run(page, '#run-webgpu', 'webgpu');
  for (const [name, r] of [['cpu', cpu], ['webgpu', gpu]]) {
    assert.equal(r.draws, DRAWS, name);
    assert.equal(r.accepted, DRAWS, `${name}: every inverse-transform draw lands in the range`);
    assert.ok(r.p > 0.001, `${name}: chi-square ${r.chi}, p = ${r.p}`);
    assert.ok(r.ms > 0, name);
  }
  // No transcendental on this path: the same f32 steps give the same bins.
  const moved = binDifference(cpu.counts, gpu.counts);
  assert.ok(moved <= DRAWS / 10_000, `${moved} draws fell in other bins on WebGPU than on the CPU`);
  assert.equal(await page.getAttribute('#scale-agreement', 'data-moved'), String(moved));
  assertNotBlank(await canvasPixels(page, '#scale-histogram'), '#scale-histogram');
  assert.equal(await urlParam(page, 'draws'), String(DRAWS));
  assert.equal(await urlParam(page, 'method'), 'inverse');
  assert.deepEqual(errors, []);
  await page.close();
});

test('rejection at scale: acceptance within 2% of 1/M on both backends; a low envelope fails chi-square', async () => {
  const m = 2.5;
  const { page, errors } = await openPage(
    `?page=scale&method=rejection&target=mixture&q=gaussian&m=${m}&draws=${DRAWS}&backend=webgpu`);
  await page.waitForSelector('#run-webgpu:not([disabled])');
  assert.equal(await page.locator('#scale-bias-warning').count(), 0, 'M = 2.5 is a valid envelope');
  const cpu = await run(page, '#run-cpu', 'cpu');
  const gpu = await run(page, '#run-webgpu', 'webgpu');
  for (const [name, r] of [['cpu', cpu], ['webgpu', gpu]]) {
    const rate = r.accepted / r.draws;
    assert.ok(Math.abs(rate * m - 1) < 0.02, `${name}: acceptance ${rate} vs 1/M = ${1 / m}`);
    assert.ok(r.p > 0.001, `${name}: chi-square ${r.chi}, p = ${r.p}`);
  }
  // The GPU's ln/cos/exp differ from wasm's in the last bits, so a few hundred draws
  // near a bin edge or the acceptance line go the other way: compare as two samples.
  const same = Number(await page.getAttribute('#scale-agreement', 'data-p'));
  assert.ok(same > 0.001, `CPU vs WebGPU tallies: two-sample chi-square p = ${same} ` +
    `(${binDifference(cpu.counts, gpu.counts)} draws in other bins)`);
  // M = 1 puts the Gaussian envelope under the mixture: flagged, and the tally is biased.
  await page.locator('#scale-m').focus();
  await page.keyboard.press('Home');
  await page.waitForSelector('#scale-bias-warning');
  assert.equal(await urlParam(page, 'm'), '0.5');
  const low = await run(page, '#run-webgpu', 'webgpu');
  assert.ok(low.p < 0.001, `a too-low envelope: chi-square p = ${low.p}`);
  assert.deepEqual(errors, []);
  await page.close();
});
