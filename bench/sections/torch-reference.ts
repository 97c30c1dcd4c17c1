/**
 * The TypeScript/onnxruntime pipeline against the PyTorch reference sampler (bench/torch_reference.py, which
 * imports training/reference_sampler.py) on the same model, prompt, steps and seeds, one image per call, decode
 * included, model loading excluded. Optional: skipped with the reason when Python, torch or the checkpoint is
 * missing (no PyTorch checkpoint is committed; training/build_all.sh writes one).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../args';
import { runJson } from '../child/spawn';
import type { BenchContext } from '../context';
import { boxLayout, imageFromPrompt, type ImageRequest } from '../pipeline';
import { emptySection, type SectionResult } from '../report/types';

const SECTION = 'torch';
const SCRIPT = join(ROOT, 'bench', 'torch_reference.py');
/** A reference image can take seconds (torch with 2 threads on a busy 2-core machine); five readings per case. */
const MAX_REPEATS = 5;

interface TorchResult {
  skipped?: string;
  torch?: string;
  threads?: number;
  cases?: Record<string, number[]>;
}

const CASES: { id: string; name: string; request: (steps: number, seed: number) => ImageRequest }[] = [
  { id: 'cfg_fixed', name: 'CFG, fixed 77 tokens', request: (steps, seed) => ({ mode: 'fixed', steps, seed }) },
  { id: 'cfg_adaptive', name: 'CFG, adaptive tokens', request: (steps, seed) => ({ mode: 'adaptive', steps, seed }) },
  {
    id: 'layout_sr', name: 'CFG + layout + self-recurrence, adaptive',
    request: (steps, seed) => ({ mode: 'adaptive', steps, seed, layout: boxLayout(steps, true) }),
  },
];

export async function torchReferenceSection(ctx: BenchContext): Promise<SectionResult> {
  const out = emptySection();
  const { steps, python, checkpoint } = ctx.opts;
  const repeats = Math.min(ctx.opts.repeats, MAX_REPEATS);
  if (!existsSync(python)) {
    out.skipped.push({ section: SECTION, reason: `no Python at ${python} (pass --python PATH; Debian: apt-get install python3-torch)` });
    return out;
  }
  const cores = availableParallelism();
  // torch with one thread (onnxruntime's default here, see the compute section) and with one per core.
  const torchRuns: { threads: number; result: TorchResult }[] = [];
  for (const threads of [...new Set([1, cores])]) {
    ctx.log(`torch: reference sampler, ${CASES.length} cases x ${repeats} (+1 warm-up), ${threads} thread(s)`);
    const result = await runJson<TorchResult>(python, [
      SCRIPT, '--checkpoint', checkpoint, '--steps', String(steps), '--repeats', String(repeats),
      '--threads', String(threads), '--cases', CASES.map((c) => c.id).join(','),
    ]);
    if (result.skipped || !result.cases) {
      out.skipped.push({ section: SECTION, reason: `PyTorch reference not run: ${result.skipped ?? 'no cases in its output'}` });
      return out;
    }
    torchRuns.push({ threads, result });
  }
  const model = await ctx.model();
  for (const c of CASES) {
    ctx.log(`torch: TypeScript side, ${c.name} x ${repeats}`);
    await imageFromPrompt(model, c.request(steps, 0)); // warm-up, as on the Python side
    const ts: number[] = [];
    for (let seed = 0; seed < repeats; seed++) {
      const t0 = performance.now();
      await imageFromPrompt(model, c.request(steps, seed));
      ts.push(performance.now() - t0);
    }
    for (const { threads, result } of torchRuns) {
      out.comparisons.push({
        section: SECTION, name: `one image, ${steps} steps, ${c.name}; torch ${result.threads} thread(s)`,
        a: { label: `PyTorch ${result.torch}`, ms: result.cases![c.id] }, b: { label: 'TypeScript + ORT', ms: ts }, paired: false,
        target: { kind: 'min', value: 2 },
        note: `same prompt/steps/seeds; torch.set_num_threads(${threads}), ORT as the pipeline opens it; checkpoint ${checkpoint}`,
      });
    }
  }
  return out;
}
