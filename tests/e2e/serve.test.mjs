// The demo server (scripts/serve.mjs): gzip where the browser accepts it, the same
// bytes either way, nothing outside the served folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { handler } from '../../scripts/serve.mjs';

let server;
let base;
let root;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-serve-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><title>t</title>');
  // Compressible, like a wasm module's code.
  fs.writeFileSync(path.join(root, 'page_bg.wasm'), Buffer.from('\0asm'.repeat(50_000)));
  fs.writeFileSync(path.join(os.tmpdir(), 'latentlab-serve-secret.txt'), 'outside');
  server = http.createServer(handler(root));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** GET with raw bytes back (no automatic decompression), as a browser sends it. */
function get(pathname, encoding) {
  return new Promise((resolve, reject) => {
    const headers = encoding ? { 'accept-encoding': encoding } : {};
    http.get(`${base}${pathname}`, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('serve: wasm goes out gzipped to a browser that accepts it, raw to one that does not', async () => {
  const original = fs.readFileSync(path.join(root, 'page_bg.wasm'));
  const zipped = await get('/page_bg.wasm', 'gzip, deflate, br');
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(zipped.headers['content-type'], 'application/wasm');
  assert.ok(zipped.body.length < original.length / 10, `${zipped.body.length} bytes gzipped`);
  assert.deepEqual(zlib.gunzipSync(zipped.body), original);

  const raw = await get('/page_bg.wasm');
  assert.equal(raw.headers['content-encoding'], undefined);
  assert.deepEqual(raw.body, original);

  const page = await get('/', 'gzip');
  assert.match(zlib.gunzipSync(page.body).toString(), /<title>t<\/title>/);
});

test('serve: nothing outside the folder, and a clear 404', async () => {
  // The URL parser folds '..' and '%2e%2e' away; an encoded slash survives it.
  for (const pathname of ['/../latentlab-serve-secret.txt', '/..%2flatentlab-serve-secret.txt', '/missing.wasm']) {
    const res = await get(pathname);
    assert.equal(res.status, 404, pathname);
    assert.doesNotMatch(res.body.toString(), /outside/);
  }
  assert.equal((await get('/%E0%A4%A')).status, 400);
});
