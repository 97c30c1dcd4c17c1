/**
 * `npm run eval:readme`: rewrites the README's measured tables (eval/output/readme.ts) from the committed reports'
 * results.json; `--check` writes nothing and exits 1 when the README differs from what the reports say.
 *
 *   node --import tsx eval/readme.ts [--check] [--root DIR]
 *
 * Exit codes: 0 written / up to date, 1 stale (--check), 2 bad arguments, missing markers or unreadable results.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isInside, readFileBounded } from '../engine';
import { EVAL_CODES, EvalError } from './codes';
import { renderReadme } from './output/readme';

/** The README and a report's results.json are a few hundred kB; anything far larger is not one of them. */
export const MAX_README_INPUT_BYTES = 8 * 1024 * 1024;

/** A file inside root (after symlinks are resolved), read with a size bound; coded errors for everything else. */
export function readInside(root: string, path: string, maxBytes = MAX_README_INPUT_BYTES): string {
  const fail = (why: string): never => {
    throw new EvalError(EVAL_CODES.readme, `Expected to read ${path} inside ${root} but ${why}.`, { hint: 'Rerun the experiment that writes it (the README names its command).' });
  };
  let real = '';
  try {
    real = realpathSync(resolve(root, path));
  } catch (e) {
    fail(`it cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!isInside(realpathSync(root), real)) fail('it resolves outside that folder');
  const read = readFileBounded(real, maxBytes);
  if ('refused' in read) fail(read.refused === 'too-large' ? `it is larger than ${maxBytes} bytes` : 'it is not a regular file');
  return (read as { bytes: Buffer }).bytes.toString('utf8');
}

export function main(argv: readonly string[]): number {
  let check = false;
  let root = resolve(import.meta.dirname, '..');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--root' && argv[i + 1]) root = resolve(argv[++i]);
    else throw new EvalError(EVAL_CODES.args, `Unknown argument "${argv[i]}". Usage: npm run eval:readme [-- --check] [--root DIR].`);
  }
  const current = readInside(root, 'README.md');
  const next = renderReadme(current, (p) => readInside(root, p));
  if (next === current) {
    process.stdout.write('README.md tables match the reports.\n');
    return 0;
  }
  if (check) {
    process.stderr.write('E_EVAL_README README.md tables differ from the reports\' results.json: run `npm run eval:readme` and commit the README.\n');
    return 1;
  }
  writeFileSync(resolve(root, 'README.md'), next);
  process.stdout.write('README.md tables rewritten from the reports.\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'E_EVAL';
    process.stderr.write(`${code} ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
