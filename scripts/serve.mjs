// Serves a built page (Trunk's dist/) the way a visitor should get it: gzip-compressed
// where the browser accepts it (the page's 24 MB wasm is 4.7 MB gzipped; `trunk
// serve` sends it raw), each file compressed once and kept in memory until it changes.
// Any static host can do the same: precompress, or turn on gzip/brotli for .wasm,
// .js, .css, .json and .safetensors.
//
//   node scripts/serve.mjs [dist folder] [port]      (defaults: dist, 8080)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml', '.safetensors': 'application/octet-stream',
};
/** Already compressed: gzip would only cost time. */
const STORED = new Set(['.png', '.jpg']);

/** A request handler for the files under `root`; never serves anything outside it. */
export function handler(root) {
  root = path.resolve(root);
  const cache = new Map(); // file -> { mtimeMs, gzip }
  const gzipped = (file, stat) => {
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === stat.mtimeMs) return hit.gzip;
    const gzip = zlib.gzipSync(fs.readFileSync(file), { level: 9 });
    cache.set(file, { mtimeMs: stat.mtimeMs, gzip });
    return gzip;
  };
  return (req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    const file = path.join(root, pathname === '/' ? 'index.html' : pathname);
    const stat = file.startsWith(root + path.sep) && fs.existsSync(file) ? fs.statSync(file) : null;
    if (!stat || !stat.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    const ext = path.extname(file);
    const headers = { 'content-type': TYPES[ext] || 'application/octet-stream', vary: 'accept-encoding' };
    const acceptsGzip = /\bgzip\b/.test(req.headers['accept-encoding'] || '');
    if (acceptsGzip && !STORED.has(ext)) {
      const body = gzipped(file, stat);
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': stat.size });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2] || 'dist';
  const port = Number(process.argv[3] || 8080);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`no ${path.join(root, 'index.html')}: run trunk build --release first`);
    process.exit(1);
  }
  http.createServer(handler(root)).listen(port, '127.0.0.1', () => {
    console.log(`serving ${path.resolve(root)} at http://127.0.0.1:${port}/ (gzip)`);
  });
}
