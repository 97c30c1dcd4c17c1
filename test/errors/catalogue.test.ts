import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ERROR_CATALOGUE, ERROR_LAYERS, mergeTables } from '../../errors/catalogue';
import type { CodeTable } from '../../errors/code-table';

const ROOT = resolve(import.meta.dirname, '../..');
/** Every non-test source root; the server entry point is a file. */
const SOURCE_ROOTS = ['engine', 'nodes', 'diffusion', 'cli', 'server', 'editor', 'eval', 'bench', 'errors', 'bin', 'server.ts'];
const SOURCE_FILE = /\.(ts|js|mjs)$/;
const CODE = /\bE_[A-Z0-9_]{2,}\b/g;

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') walk(join(path, name));
    } else if (SOURCE_FILE.test(path)) {
      files.push(path);
    }
  };
  for (const root of SOURCE_ROOTS) walk(join(ROOT, root));
  return files;
}

/** Codes written in string and template literals (comments and identifiers are not uses), with where they occur. */
function scanSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const kind = file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, kind);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
        for (const [code] of node.text.matchAll(CODE)) {
          const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          found.set(code, [...(found.get(code) ?? []), `${relative(ROOT, file)}:${line}`]);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The codes listed in README.md's "Error codes" section (up to the next second-level heading). */
function readmeCodes(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.search(/^## Error codes\s*$/m);
  assert.ok(start >= 0, 'README.md has no "## Error codes" section');
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end >= 0 ? rest.slice(0, end) : rest;
  return new Set([...section.matchAll(CODE)].map(([code]) => code));
}

const catalogue = new Set(Object.keys(ERROR_CATALOGUE));
let scanned: Map<string, string[]> | undefined;
const codesInSource = (): Map<string, string[]> => (scanned ??= scanSource());

test('the scan finds the codes of every layer, in string and template literals of .ts, .js and .mjs files', () => {
  const found = codesInSource();
  // About 120 codes are catalogued and each appears as a literal somewhere. A scan that finds few has stopped looking.
  assert.ok(found.size >= 100, `expected at least 100 distinct codes in the source but found ${found.size}`);
  // One per kind of literal and file type: plain string (.ts), template literal (.ts), plain string (.js).
  for (const code of ['E_MODEL_FOLDER_MISSING', 'E_IMPORT_CONES2', 'E_HTTP']) assert.ok(found.has(code), `${code} not found by the scan`);
});

test('every code used in the source is in the catalogue', () => {
  const missing = [...codesInSource()].filter(([code]) => !catalogue.has(code)).map(([code, where]) => `${code} (${where.join(', ')})`);
  assert.deepEqual(missing, [], `codes used but not registered in any layer table listed by errors/catalogue.ts:\n${missing.join('\n')}`);
});

test('every catalogue code appears in the source', () => {
  const found = codesInSource();
  const unused = [...catalogue].filter((code) => !found.has(code));
  assert.deepEqual(unused, [], 'catalogued codes that no source file writes (remove them or raise them)');
});

test('README.md lists exactly the catalogue codes', () => {
  const listed = readmeCodes();
  assert.deepEqual([...catalogue].filter((code) => !listed.has(code)), [], 'catalogue codes missing from README.md "Error codes"');
  const extra = [...listed].filter((code) => !catalogue.has(code));
  assert.deepEqual(extra, [], 'README.md "Error codes" lists codes the catalogue does not have');
});

test('entries have a one-line summary and, where present, an HTTP error status', () => {
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(code, /^E_[A-Z0-9_]{2,}$/, `${code}: malformed code`);
    assert.ok(typeof entry.summary === 'string' && entry.summary.trim().length > 10, `${code}: empty summary`);
    assert.ok(!entry.summary.includes('\n'), `${code}: summary spans lines`);
    if (entry.status !== undefined) {
      const isHttpError = Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599;
      assert.ok(isHttpError, `${code}: status ${entry.status} is not an HTTP error status`);
    }
  }
  // Only the server answers HTTP requests, so only its codes carry a status.
  for (const { layer, table } of ERROR_LAYERS) {
    const withStatus = Object.entries(table as CodeTable).filter(([, e]) => e.status !== undefined).map(([code]) => code);
    if (layer !== 'server') assert.deepEqual(withStatus, [], `${layer}: codes with an HTTP status outside the server`);
  }
  const statuses = [ERROR_CATALOGUE.E_BAD_JSON.status, ERROR_CATALOGUE.E_NOT_FOUND.status, ERROR_CATALOGUE.E_INTERNAL.status];
  assert.deepEqual(statuses, [400, 404, 500]);
});

test('the catalogue refuses a code claimed by two layers', () => {
  const table = { E_TWICE: { summary: 'A code listed twice.' } };
  assert.throws(() => mergeTables([{ layer: 'a', table }, { layer: 'b', table }]), /E_TWICE is in both a and b/);
  assert.equal(catalogue.size, ERROR_LAYERS.reduce((n, l) => n + Object.keys(l.table).length, 0));
});
