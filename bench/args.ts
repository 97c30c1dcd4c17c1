import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BENCH_CODES, BenchError } from './codes';

export const ROOT = resolve(import.meta.dirname, '..');

/** Sections in run order; `large` runs only when asked for (--large or --only large), `farm` only with --only farm. */
export const SECTIONS = ['compute', 'engine', 'layout', 'tokens', 'cache', 'memory', 'torch', 'large', 'farm'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  model: string;
  repeats: number;
  /** Sampling steps of every shapes-model run. */
  steps: number;
  sections: SectionName[];
  quick: boolean;
  python: string;
  /** The PyTorch checkpoint the ONNX export was made from (training/reference_sampler.py Pipeline.load). */
  checkpoint: string;
  /** Folder written by training/make_sd15_unet.py. */
  sd15: string;
  largeSteps: number;
  /** Image sizes (pixels, multiples of 8) of the large-model UNet calls. */
  largeSizes: number[];
  /** Where the markdown results go. */
  out: string;
}

const USAGE = 'npm run bench -- [--quick] [--large] [--only a,b] [--repeats N] [--steps N] [--large-steps N] [--large-sizes 256,512] ' +
  '[--model DIR] [--python PATH] [--checkpoint FILE] [--sd15 DIR] [--out FILE]';

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const large = argv.includes('--large');
  const work = process.env.SHAPES_WORK ?? '/tmp/shapes-work';
  const o: BenchOptions = {
    model: join(ROOT, 'models', 'shapes'), repeats: quick ? 3 : 15, steps: quick ? 10 : 25,
    sections: SECTIONS.filter((s) => (s !== 'large' || large) && s !== 'farm'), quick,
    python: '/usr/bin/python3', checkpoint: join(work, 'diffusion_final.pt'), sd15: '/tmp/cones-bench/sd15-unet',
    largeSteps: 3, largeSizes: [256, 512],
    out: quick ? join(tmpdir(), 'cones-bench-quick.md') : join(ROOT, 'bench', 'RESULTS.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--quick' || flag === '--large') continue;
    const value = argv[++i];
    if (value === undefined) throw new BenchError(BENCH_CODES.args, `Expected a value after ${flag}. Usage: ${USAGE}`);
    const int = (): number => {
      const v = Number(value);
      if (!Number.isInteger(v) || v <= 0) {
        throw new BenchError(BENCH_CODES.args, `Expected a positive integer after ${flag} but received ${JSON.stringify(value)}.`);
      }
      return v;
    };
    if (flag === '--repeats') o.repeats = int();
    else if (flag === '--steps') o.steps = int();
    else if (flag === '--large-steps') o.largeSteps = int();
    else if (flag === '--large-sizes') o.largeSizes = parseSizes(value);
    else if (flag === '--model') o.model = resolve(value);
    else if (flag === '--python') o.python = value;
    else if (flag === '--checkpoint') o.checkpoint = resolve(value);
    else if (flag === '--sd15') o.sd15 = resolve(value);
    else if (flag === '--out') o.out = resolve(value);
    else if (flag === '--only') o.sections = parseSections(value);
    else throw new BenchError(BENCH_CODES.args, `Expected a known flag but received ${JSON.stringify(flag)}. Usage: ${USAGE}`);
  }
  return o;
}

function parseSections(value: string): SectionName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(SECTIONS as readonly string[]).includes(n)) {
      throw new BenchError(BENCH_CODES.args, `Expected sections from ${SECTIONS.join(', ')} after --only ` +
        `but received ${JSON.stringify(n)}.`);
    }
  }
  return SECTIONS.filter((s) => names.includes(s));
}

function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n <= 0 || n % 64 !== 0)) {
    throw new BenchError(BENCH_CODES.args, 'Expected image sizes that are positive multiples of 64 after --large-sizes (e.g. 256,512) ' +
      `but received ${JSON.stringify(value)}.`, {
      hint: 'The SD UNet halves the latent three times, so latent sides must be multiples of 8.',
    });
  }
  return sizes;
}
