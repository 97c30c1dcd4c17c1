import { mkdirSync } from 'node:fs';
import { loadSdModel, type SdModel } from '../diffusion/model/load';
import type { BenchOptions } from './args';

/** What every section gets: options, a scratch folder, a progress log, the loaded model, and shared readings. */
export class BenchContext {
  /** Matrix-multiply throughput measured by the compute section (FLOP/s), for the large-model comparison. */
  matmulPeak: number | null = null;
  /** FLOPs and median time of one shapes UNet call (batch 2, L = 77), from the compute section. */
  shapesUnet: { flops: number; ms: number } | null = null;
  private loaded: Promise<SdModel> | null = null;

  constructor(readonly opts: BenchOptions, readonly scratch: string) {
    mkdirSync(scratch, { recursive: true });
  }

  log(line: string): void {
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  }

  /** The model loaded once for the in-process sections (sessions are cached process-wide anyway). */
  model(): Promise<SdModel> {
    this.loaded ??= loadSdModel(this.opts.model, { provider: 'cpu' });
    return this.loaded;
  }
}
