/** What the benchmark sections hand back: comparisons of two timed things, single figures, and skipped parts. */

/** A bound on the ratio A / B: 'max' = the ratio must stay below `value`, 'min' = reach at least `value`. */
export interface Target {
  kind: 'max' | 'min';
  value: number;
}

export interface Timed {
  label: string;
  /** One wall time per repeat, milliseconds. */
  ms: number[];
}

export interface Comparison {
  section: string;
  name: string;
  a: Timed;
  b: Timed;
  /** A and B ran interleaved (A B, B A, ...), so a[i] / b[i] are meaningful pairs. */
  paired: boolean;
  target?: Target;
  note?: string;
}

export interface Figure {
  section: string;
  name: string;
  /** Already formatted, with its unit. */
  value: string;
  /** Repeats behind the value (null: a single reading). */
  n: number | null;
  note?: string;
}

export interface Skipped {
  section: string;
  reason: string;
}

export interface SectionResult {
  comparisons: Comparison[];
  figures: Figure[];
  skipped: Skipped[];
}

export function emptySection(): SectionResult {
  return { comparisons: [], figures: [], skipped: [] };
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  onnxruntime: string;
  date: string;
  /** 1-minute load average at the start and at the end of the run (other processes share the machine). */
  loadStart: number;
  loadEnd: number;
}

export interface BenchReport {
  machine: MachineInfo;
  command: string;
  wallSeconds: number;
  settings: string[];
  results: SectionResult;
}
