/**
 * Folders the tests read, resolved from this file so a test runs the same from any working directory.
 *
 * - `REPO`: the repository root; `SHAPES_MODEL`: the committed embedded model (always present: a missing or broken
 *   model makes the tests that use it fail, never skip).
 * - `CONES2_FIXTURES`: the project's own stand-ins for third-party Cones 2 files (residual files in every format the
 *   readers take, colour layouts, guidance configs), written by training/make_test_fixtures.py.
 * - `REFERENCE`: third-party Cones 2 files kept beside the repository on developer machines and in CI, absent from
 *   a user's clone. Tests over them are an extra layer: pass `referenceSkip` as their `skip` option.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const SHAPES_MODEL = join(REPO, 'models', 'shapes');
export const CONES2_FIXTURES = join(REPO, 'test', 'fixtures', 'cones2');
export const REFERENCE = resolve(REPO, '..', 'shared', 'reference');

/** `false` when the third-party reference files are present, else the reason the tests over them are skipped. */
export const referenceSkip: string | false = existsSync(REFERENCE)
  ? false
  : `third-party Cones 2 reference files not found at ${REFERENCE} (they sit beside the repository on developer machines and in CI only)`;

/** A path inside the third-party reference folder (only meaningful when `referenceSkip` is false). */
export const referencePath = (...parts: string[]): string => join(REFERENCE, ...parts);

/** A path inside the project's own Cones 2 fixtures. */
export const fixturePath = (...parts: string[]): string => join(CONES2_FIXTURES, ...parts);

export interface ResidualFixture {
  ok: boolean;
  /** the error code a reader must answer for a file it must refuse */
  code?: string;
  /** a word the refusal's message must contain */
  mentions?: string;
  width?: number;
  shape?: number[];
  dtype?: string;
  norm?: number;
  first?: number;
  last?: number;
  location?: string;
  stem?: string;
  base_word?: string;
}

export interface Cones2Manifest {
  residuals: Record<string, ResidualFixture>;
  /** per layout PNG, per "R,G,B" colour: exact pixel count and inside-cell counts per resolution (torch bilinear) */
  layouts: Record<string, Record<string, { pixels: number; inside: Record<string, number> }>>;
  strength: number;
  negative: number;
}

export const cones2Manifest = (): Cones2Manifest => JSON.parse(readFileSync(fixturePath('manifest.json'), 'utf8')) as Cones2Manifest;
