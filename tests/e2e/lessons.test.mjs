// Browser tests of the teaching pages (the die, inverse transform with a hand-drawn
// pdf, rejection sampling, uniform vs Gaussian). They load no model, so they run on
// the CPU page; every number they check is one the page computed and shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNotBlank, canvasPixels, eventually, navTo, openPage, text, urlParam, useBrowser } from './harness.mjs';

useBrowser();

/** chi-square 0.999 critical value for 5 degrees of freedom (published tables). */
const CHI2_5_999 = 20.515;

const number = async (page, selector, attribute) => Number(await page.getAttribute(selector, attribute));

test("die: the seed's u = 0.7 gives face 5; the u slider moves along the CDF; 6,000 fair throws pass chi-square", async () => {
  const { page, errors } = await openPage('?page=die&u=0.7&backend=cpu');
  assert.equal(await text(page, '#face'), '5', 'u = 0.7 selects face 5');
  assertNotBlank(await canvasPixels(page, '#die-plot'), '#die-plot');
  // Keyboard on the real slider: Home is u = 0 (face 1), End is u = 1 (face 6).
  await page.press('#u', 'Home');
  await eventually(async () => assert.equal(await text(page, '#face'), '1'));
  await page.press('#u', 'End');
  await eventually(async () => assert.equal(await text(page, '#face'), '6'));
  for (let i = 0; i < 6; i++) await page.click('#throw-1000');
  await eventually(async () => assert.equal(await page.getAttribute('#chi-square', 'data-throws'), '6000'));
  const chi2 = await number(page, '#chi-square', 'data-statistic');
  assert.ok(chi2 < CHI2_5_999, `6,000 fair throws: chi-square ${chi2} should be below ${CHI2_5_999}`);
  assert.equal(await urlParam(page, 'throws'), '6000');
  assertNotBlank(await canvasPixels(page, '#die-histogram'), '#die-histogram');
  // Load the die: face 6 three times as likely. The sampler follows the loaded PMF...
  await page.fill('#p6', '3');
  await page.press('#p6', 'Enter');
  await eventually(async () => assert.equal(await page.getAttribute('#chi-square', 'data-throws'), '0'));
  for (let i = 0; i < 6; i++) await page.click('#throw-1000');
  await eventually(async () => assert.equal(await page.getAttribute('#chi-square', 'data-throws'), '6000'));
  const loaded = await number(page, '#chi-square', 'data-statistic');
  assert.ok(loaded < CHI2_5_999, `loaded die against its own PMF: ${loaded}`);
  assert.equal(await urlParam(page, 'pmf'), '1,1,1,1,1,3');
  // ...and u = 0.7 now falls in a lower step (CDF at face 4 is 4/8 = 0.5, face 5 is 0.625).
  await page.goto(page.url().replace(/u=[^&]*/, 'u=0.7'));
  await page.waitForSelector('#face');
  assert.equal(await text(page, '#face'), '6');
  assert.deepEqual(errors, []);
  await page.close();
});

test('inverse transform: a pdf drawn with the mouse becomes the distribution; 100,000 samples match it', async () => {
  const { page, errors } = await openPage('?page=inverse&backend=cpu');
  const pad = page.locator('#pdf-draw');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  // A stroke from high on the left to low on the right: a decreasing ramp.
  const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
  await page.mouse.move(...at(0.02, 0.2));
  await page.mouse.down();
  for (let i = 1; i <= 40; i++) {
    const f = i / 40;
    await page.mouse.move(...at(0.02 + 0.96 * f, 0.2 + 0.65 * f));
  }
  await page.mouse.up();
  await eventually(async () => assert.equal(await urlParam(page, 'dist'), 'drawn'));
  assert.equal(await page.inputValue('#dist'), 'drawn');
  const heights = (await urlParam(page, 'pdf')).split(',').map(Number);
  assert.equal(heights.length, 33);
  assert.ok(heights[2] > heights[30] + 0.3, `the drawn heights fall left to right: ${heights}`);
  await page.selectOption('#count', '100000');
  await eventually(async () => assert.equal(await page.getAttribute('#ks', 'data-count'), '100000'));
  const observed = (await page.getAttribute('#inverse-pdf', 'data-observed')).split(',').map(Number);
  const expected = (await page.getAttribute('#inverse-pdf', 'data-expected')).split(',').map(Number);
  const width = 8 / observed.length;
  const area = expected.reduce((s, e) => s + e * width, 0);
  assert.ok(Math.abs(area - 1) < 1e-3, `the drawn pdf is normalised (area ${area})`);
  const l1 = observed.reduce((s, o, i) => s + Math.abs(o - expected[i]) * width, 0);
  assert.ok(l1 < 0.03, `normalised histogram matches the drawn pdf: L1 ${l1}`);
  assert.ok(expected[2] > expected[37], 'and it is the shape that was drawn (high left, low right)');
  const p = await number(page, '#ks', 'data-p');
  assert.ok(p > 0.001, `KS p = ${p}`);
  assertNotBlank(await canvasPixels(page, '#inverse-cdf'), '#inverse-cdf');
  assert.deepEqual(errors, []);
  await page.close();
});

test('rejection: acceptance within 2% of 1/M for a valid envelope; a low envelope is flagged and biased', async () => {
  const { page, errors } = await openPage('?page=rejection&target=mixture&q=uniform&m=4&count=100000&backend=cpu');
  await page.waitForSelector('#acceptance');
  assert.equal(await page.$('#bias-warning'), null, 'M = 4 is a valid envelope');
  const rate = await number(page, '#acceptance', 'data-rate');
  assert.ok(Math.abs(rate - 0.25) / 0.25 < 0.02, `acceptance ${rate} vs 1/M = 0.25`);
  // The tightest valid envelope for a Gaussian proposal, chosen with the page's own button.
  await page.selectOption('#proposal', 'gaussian');
  await page.click('#tight-m');
  await eventually(async () => assert.equal(await urlParam(page, 'q'), 'gaussian'));
  const m = await eventually(async () => {
    const value = Number(await urlParam(page, 'm'));
    assert.ok(value > 1 && value < 4, `tight M ${value}`);
    return value;
  });
  await eventually(async () => {
    const tight = await number(page, '#acceptance', 'data-rate');
    assert.ok(Math.abs(tight - 1 / m) / (1 / m) < 0.02, `acceptance ${tight} vs 1/M = ${1 / m}`);
  });
  assert.equal(await page.$('#bias-warning'), null);
  assert.ok(await number(page, '#rejection-ks', 'data-p') > 0.001, 'accepted samples follow p');
  // Slide M down (keyboard) until the envelope dips under p.
  await page.focus('#m');
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowLeft');
  await page.waitForSelector('#bias-warning');
  assert.match(await text(page, '#bias-warning'), /under-sampled/);
  assert.ok(await number(page, '#rejection-plot', 'data-violations') > 0);
  // The warning can show before the tally of the last M step is redrawn (seen on a busy machine).
  await eventually(async () => {
    assert.ok(await number(page, '#rejection-ks', 'data-p') < 0.001, 'a too-low envelope gives biased samples');
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('uniform vs Gaussian: both clouds drawn with their computed statistics, and the Phi^-1 bridge', async () => {
  const { page, errors } = await openPage('?page=die&backend=cpu');
  await navTo(page, 'normal');
  await page.selectOption('#count', '10000');
  await eventually(async () => assert.equal(await page.getAttribute('#uniform-points', 'data-points'), '10000'));
  assert.ok(Math.abs(await number(page, '#normal-stats', 'data-uniform-mean') - 0.5) < 0.01);
  assert.ok(Math.abs(await number(page, '#normal-stats', 'data-normal-mean')) < 0.03);
  assert.ok(Math.abs(await number(page, '#normal-stats', 'data-normal-sd') - 1) < 0.03);
  for (const id of ['#uniform-points', '#normal-points', '#bridge']) assertNotBlank(await canvasPixels(page, id), id);
  const before = await canvasPixels(page, '#normal-points');
  await page.click('#resample');
  await eventually(async () => {
    const after = await canvasPixels(page, '#normal-points');
    assert.ok(!after.data.equals(before.data), 'new samples redraw the cloud');
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('P_model vs P_data: Play trains the live GAN until KS falls from above 0.3 to below 0.1 and D flattens towards 1/2; a new prior restarts it', async () => {
  const { page, errors } = await openPage('?page=pmodel&dist=mixture&backend=cpu');
  try {
    const status = (key) => page.getAttribute('#gan-status', key).then(Number);
    await eventually(async () => assert.ok((await page.getAttribute('#gan-status', 'data-ks')) !== ''));
    const first = await status('data-ks-first');
    assert.ok(first > 0.3, `an untrained generator is far from P_data: KS ${first}`);
    await page.click('#gan-step');
    await eventually(async () => assert.equal(await status('data-steps'), 1));
    await page.selectOption('#pmodel-spf', '20');
    const started = Date.now();
    await page.click('#gan-play');
    await eventually(async () => assert.ok(await status('data-steps') >= 800), 90_000);
    const seconds = (Date.now() - started) / 1000;
    await page.click('#gan-play');
    const [steps, ks, gap] = [await status('data-steps'), await status('data-ks'), await status('data-d-gap')];
    test.diagnostic?.(`${steps} steps in ${seconds.toFixed(1)} s: KS ${first.toFixed(3)} -> ${ks.toFixed(3)}, mean |D - 1/2| ${gap.toFixed(3)}`);
    console.log(`ℹ live GAN: ${steps} steps in ${seconds.toFixed(1)} s, KS ${first.toFixed(3)} -> ${ks.toFixed(3)}, mean |D(x) - 1/2| ${gap.toFixed(3)}`);
    assert.ok(ks < 0.1, `KS after ${steps} steps: ${ks}`);
    assert.ok(gap < 0.1, `D(x) should be near 1/2 where the data lies: mean gap ${gap}`);
    for (const canvas of ['#gan-density', '#gan-discriminator', '#gan-map', '#gan-ks']) {
      assertNotBlank(await canvasPixels(page, canvas), canvas);
    }
    await page.selectOption('#pmodel-prior', 'gaussian');
    await eventually(async () => assert.equal(await urlParam(page, 'prior'), 'gaussian'));
    await eventually(async () => assert.ok(await status('data-steps') <= 1, 'a new prior restarts training'));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
