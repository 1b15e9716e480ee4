// Browser tests of the data-distributions activity: the shipped projections of real
// images (web/projections, made by `latentlab project`; their pictures by
// scripts/projections.sh) as 3-D clouds, the separation figures, a picked point's
// image, and t-SNE rerun live in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, eventually, openPage, text, urlParam, useBrowser } from './harness.mjs';

useBrowser();

function projections(set) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'web/projections', set, 'projections.json'), 'utf8'));
}

const agreementOf = (space, method) => space.projections.find((p) => p.method === method).agreement;

test('distributions: cars and dogs apart in EfficientNet features, not in pixels; the figures are the file\'s; a picked point shows its photo', async () => {
  const file = projections('cars-dogs');
  const [pixels, cnn] = file.spaces;
  assert.deepEqual([pixels.features, cnn.features], ['pixels', 'efficientnet-lite0']);
  const { page, errors } = await openPage('?page=distributions&backend=cpu&pick=12');
  try {
    await eventually(async () => assert.equal(await page.getAttribute('#projection-cloud', 'data-points'), String(file.labels.length)));
    // Every space's figures, as the file has them.
    const rows = await page.$$eval('#separation tbody tr', (trs) => trs.map((r) => [r.dataset.features, Number(r.dataset.agreement), r.textContent]));
    assert.deepEqual(rows.map((r) => r[0]), ['pixels', 'efficientnet-lite0']);
    assert.equal(rows[1][1], cnn.agreement);
    // The default: the CNN's features by t-SNE, where the classes are apart.
    const shown = async () => Number(await page.getAttribute('#separation-figure', 'data-agreement'));
    assert.equal(await shown(), agreementOf(cnn, 'tsne'));
    assert.ok(agreementOf(cnn, 'tsne') > 0.95, `CNN t-SNE agreement ${agreementOf(cnn, 'tsne')}`);
    await page.selectOption('#feature-space', '0');
    await eventually(async () => assert.equal(await shown(), agreementOf(pixels, 'tsne')));
    assert.equal(await urlParam(page, 'feat'), '0');
    assert.ok(agreementOf(pixels, 'tsne') < agreementOf(cnn, 'tsne') - 0.1, 'pixels separate the classes far less');
    await page.selectOption('#method', 'pca');
    await eventually(async () => assert.equal(await shown(), agreementOf(pixels, 'pca')));
    assert.equal(await urlParam(page, 'proj'), 'pca');

    // Point 12's tile of the atlas: column 12 of row 0, drawn 128 px wide.
    const label = await text(page, '#picked-label');
    assert.ok(label.includes(file.classes[file.labels[12]]) && label.includes('12'), label);
    const style = await page.$eval('#point-picture', (d) => [getComputedStyle(d).backgroundImage, d.style.backgroundPosition, d.style.backgroundSize]);
    assert.match(style[0], /^url\("blob:/, 'the atlas was downloaded');
    assert.deepEqual(style.slice(1), ['-1536px 0px', `${file.thumbnails.columns * 128}px auto`]);
    // A click on the cloud picks the point under it.
    await page.locator('#projection-cloud').scrollIntoViewIfNeeded();
    const box = await page.locator('#projection-cloud').boundingBox();
    let picked = '12';
    for (const [fx, fy] of [[0.5, 0.5], [0.4, 0.5], [0.6, 0.5], [0.5, 0.4], [0.5, 0.6], [0.3, 0.3], [0.7, 0.7]]) {
      await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
      picked = await page.getAttribute('#projection-cloud', 'data-picked');
      if (picked !== '12') break;
    }
    assert.notEqual(picked, '12', 'no click picked another point');
    assert.equal(await urlParam(page, 'pick'), picked);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('live t-SNE: the CNN features of 350 photos unfold into separated classes while the page keeps painting; perplexity restarts it', async (t) => {
  const { page, errors } = await openPage('?page=distributions&backend=cpu');
  try {
    await page.waitForSelector('#tsne-run');
    assert.equal(await page.getAttribute('#tsne-status', 'data-points'), '350');
    // Frames the browser paints during the run, and the longest wait between two.
    await page.evaluate(() => {
      window.__frames = { count: 0, last: performance.now(), longest: 0 };
      const tick = (now) => {
        const f = window.__frames;
        f.count += 1; f.longest = Math.max(f.longest, now - f.last); f.last = now;
        if (!f.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.click('#tsne-run');
    const iterations = async () => Number(await page.getAttribute('#tsne-status', 'data-iterations'));
    // It shows the run on its way, not only its end.
    await page.waitForFunction(() => {
      const n = Number(document.querySelector('#tsne-status')?.dataset.iterations);
      return n > 0 && n < 1000;
    });
    assert.ok(await page.$('#tsne-cloud'), 'the live cloud is drawn while it runs');
    await page.waitForFunction(() => document.querySelector('#tsne-status')?.dataset.iterations === '1000', null, { timeout: 180_000 });
    const frames = await page.evaluate(() => { window.__frames.stop = true; return window.__frames; });
    const agreement = Number(await page.getAttribute('#tsne-status', 'data-agreement'));
    const ms = Number(await page.getAttribute('#tsne-status', 'data-ms-per-iteration'));
    t.diagnostic(`350 points: ${ms.toFixed(2)} ms per iteration, 5-NN agreement ${agreement.toFixed(3)}, ${frames.count} frames painted, longest gap ${frames.longest.toFixed(0)} ms`);
    assert.ok(agreement > 0.95, `live t-SNE agreement ${agreement}`);
    assert.ok(frames.count > 10, `only ${frames.count} frames painted during the run`);
    assert.equal(await page.textContent('#tsne-run'), 'Run');

    // A new perplexity drops the finished run.
    for (let i = 0; i < 10; i++) await page.press('#perplexity', 'ArrowLeft');
    await eventually(async () => assert.equal(await iterations(), 0));
    assert.equal(await urlParam(page, 'perp'), '20');
    // Another image set: its first 500 points run live.
    await page.selectOption('#pset', 'mnist');
    await eventually(async () => assert.equal(await page.getAttribute('#tsne-status', 'data-points'), '500'));
    assert.equal(await page.getAttribute('#projection-cloud', 'data-points'), '1000');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
