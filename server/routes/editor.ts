import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

const EDITOR_DIR = fileURLToPath(new URL('../../editor', import.meta.url));
const LITEGRAPH_DIR = dirname(createRequire(import.meta.url).resolve('litegraph.js/package.json'));

/** litegraph's browser build and stylesheet, the only third-party code the editor loads. */
const VENDOR: Record<string, string> = {
  'litegraph.js': join(LITEGRAPH_DIR, 'build/litegraph.js'),
  'litegraph.css': join(LITEGRAPH_DIR, 'css/litegraph.css'),
};

/**
 * The web editor: static files at `/` and litegraph at `/vendor/`. Mounted before the API guard because the
 * page itself holds nothing secret; every API call it makes still passes the guard (the page forwards `?token=`).
 */
export function editorRoutes(): Router {
  const r = Router();
  r.get('/vendor/:file', (req, res, next) => {
    // Own keys only: "constructor", "__proto__" or "toString" must not reach Object.prototype.
    const path = Object.hasOwn(VENDOR, req.params.file) ? VENDOR[req.params.file] : undefined;
    if (!path) return next();
    res.sendFile(path, { headers: { 'X-Content-Type-Options': 'nosniff' } });
  });
  r.use(express.static(EDITOR_DIR, {
    index: 'index.html', fallthrough: true, setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
  }));
  return r;
}
