import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { endMarker, meets, parseResults, parseTargets, README_TABLES, renderReadme, startMarker, summaryTable, type ResultCell } from '../../../eval/output/readme';
import { main, readInside } from '../../../eval/readme';

const ROOT = resolve(import.meta.dirname, '../../..');
const est = (mean: number, n = 48) => ({ mean, lo: Math.max(0, mean - 0.1), hi: Math.min(1, mean + 0.1), n });
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

test('the README\'s generated tables are what the committed reports\' results.json say (npm run eval:readme)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const t of README_TABLES) {
    assert.ok(readme.includes(startMarker(t)) && readme.includes(endMarker(t)), `README.md keeps the markers of ${t.name}`);
  }
  const rendered = renderReadme(readme, (p) => readInside(ROOT, p));
  assert.equal(rendered, readme, 'README.md tables are stale: run `npm run eval:readme` and commit the README');
  // The targets block states how many targets the held-out run meets, counted from the cells, not typed.
  const targets = JSON.parse(readFileSync(join(ROOT, 'eval/targets/report/results.json'), 'utf8')) as ResultCell[];
  const met = /target met \((\d+) of the (\d+) cells/.exec(readme.slice(readme.indexOf(startMarker(README_TABLES[1]!))))!;
  const striped = targets.find((c) => c.set === 'striped_square_alone' && c.condition === 'with residual')!;
  assert.equal(Number(met[2]), 18);
  assert.equal(readme.includes('| custom subject striped_square: recognised with / without the residual; right shape (silhouette) with it | **'), striped.estimates.recognised!.mean >= 0.7);
});

test('targets: ">= / <=" per part, a bare percentage means at least, anything else is not judged', () => {
  assert.deepEqual(parseTargets('>= 85% / >= 95% / <= 15%', 3), [{ op: '>=', value: 0.85 }, { op: '>=', value: 0.95 }, { op: '<=', value: 0.15 }]);
  assert.deepEqual(parseTargets('95% / 80%', 2), [{ op: '>=', value: 0.95 }, { op: '>=', value: 0.8 }]);
  assert.equal(parseTargets('95% with the bias', 4), null);
  assert.equal(parseTargets('recognisable with, not without', 2), null);
  assert.equal(parseTargets('>= 90% / >= 90%', 3), null, 'one target per shown part, or none');
  assert.equal(parseTargets(undefined, 1), null);
  assert.ok(meets(0.7, { op: '>=', value: 0.7 }) && meets(0.15, { op: '<=', value: 0.15 }));
  assert.ok(!meets(0.6999, { op: '>=', value: 0.7 }) && !meets(0.1521, { op: '<=', value: 0.15 }));
});

test('a summary table bolds exactly the met parts and counts them; details and plain numbers are shown unjudged', () => {
  const cells: ResultCell[] = [
    { set: 'a', condition: 'x', estimates: { countRight: est(0.9), twoColour: est(0.2), twoColourBlended: est(0.05), pattern: est(0.31) } },
  ];
  const { lines, met, judged } = summaryTable([
    { measurement: 'count / blobs', parts: [{ set: 'a', condition: 'x', metric: 'countRight' }, { set: 'a', condition: 'x', metric: 'twoColour' }], detail: [{ set: 'a', condition: 'x', metric: 'twoColourBlended' }], target: '>= 85% / <= 15%' },
    { measurement: 'pattern', parts: [{ set: 'a', condition: 'x', metric: 'pattern' }], target: 'visible' },
  ], cells, 't');
  assert.deepEqual([met, judged], [1, 2]);
  assert.equal(lines[2], '| count / blobs | **90.0%** (80-100) / 20.0% (10-30) (5.0%) | 48 | >= 85% / <= 15% |');
  assert.equal(lines[3], '| pattern | 0.31 (0.21-0.41) | 48 | visible |');
});

test('renderReadme replaces only the blocks; missing or repeated markers and missing cells are coded errors', () => {
  const table = { name: 'demo', results: 'r.json', render: (cells: readonly ResultCell[]) => [`cells: ${cells.length}`] };
  const results = JSON.stringify([{ set: 'a', condition: 'x', estimates: {} }]);
  const readme = `# T\n\nbefore\n${startMarker(table)}\nold text\n${endMarker(table)}\nafter\n`;
  const out = renderReadme(readme, () => results, [table]);
  assert.equal(out, `# T\n\nbefore\n${startMarker(table)}\ncells: 1\n${endMarker(table)}\nafter\n`);
  assert.equal(renderReadme(out, () => results, [table]), out, 'rendering is idempotent');
  assert.equal(codeOf(() => renderReadme('# T\nno markers\n', () => results, [table])), 'E_EVAL_README');
  assert.equal(codeOf(() => renderReadme(`${endMarker(table)}\n${startMarker(table)}\n`, () => results, [table])), 'E_EVAL_README');
  assert.equal(codeOf(() => renderReadme(`${readme}${startMarker(table)}\n`, () => results, [table])), 'E_EVAL_README');
  // The real tables ask for cells by (set, condition, metric): results without them are refused, not rendered as blanks.
  const targets = README_TABLES.find((t) => t.name === 'targets')!;
  assert.equal(codeOf(() => targets.render([{ set: 'heldout_one', condition: 'no layout', estimates: {} }])), 'E_EVAL_README');
  assert.equal(codeOf(() => parseResults('{"not": "a list"}', 'r.json')), 'E_EVAL_README');
  assert.equal(codeOf(() => parseResults('[{"set": 1}]', 'r.json')), 'E_EVAL_README');
  assert.equal(codeOf(() => parseResults('not json', 'r.json')), 'E_EVAL_README');
});

test('readInside: paths out of the root, symlinks out of it, FIFOs and oversized files are refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cones-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'repo');
  mkdirSync(root);
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  writeFileSync(join(root, 'ok.json'), '[]');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.json'));
  writeFileSync(join(root, 'big.json'), 'x'.repeat(2048));
  execFileSync('mkfifo', [join(root, 'fifo.json')]);
  assert.equal(readInside(root, 'ok.json'), '[]');
  assert.equal(codeOf(() => readInside(root, '../secret.txt')), 'E_EVAL_README');
  assert.equal(codeOf(() => readInside(root, join(dir, 'secret.txt'))), 'E_EVAL_README');
  assert.equal(codeOf(() => readInside(root, 'link.json')), 'E_EVAL_README');
  assert.equal(codeOf(() => readInside(root, 'big.json', 1024)), 'E_EVAL_README');
  assert.equal(codeOf(() => readInside(root, 'fifo.json')), 'E_EVAL_README');
  assert.equal(codeOf(() => readInside(root, 'missing.json')), 'E_EVAL_README');
});

test('npm run eval:readme -- --check exits 1 on a stale README and writes nothing; without --check it rewrites', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cones-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const tb of README_TABLES) {
    mkdirSync(join(dir, tb.results, '..'), { recursive: true });
    writeFileSync(join(dir, tb.results), readFileSync(join(ROOT, tb.results)));
  }
  const stale = README_TABLES.map((tb) => `${startMarker(tb)}\n| hand-copied | 99% |\n${endMarker(tb)}`).join('\n\n');
  writeFileSync(join(dir, 'README.md'), stale);
  const silence = t.mock.method(process.stdout, 'write', () => true);
  const quiet = t.mock.method(process.stderr, 'write', () => true);
  assert.equal(main(['--check', '--root', dir]), 1);
  assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), stale);
  assert.equal(main(['--root', dir]), 0);
  const fresh = readFileSync(join(dir, 'README.md'), 'utf8');
  assert.ok(!fresh.includes('hand-copied') && fresh.includes('| 1 subject: right count, no layout / layout |'));
  assert.equal(main(['--check', '--root', dir]), 0);
  assert.equal(codeOf(() => main(['--bogus'])), 'E_EVAL_ARGS');
  silence.mock.restore();
  quiet.mock.restore();
});
