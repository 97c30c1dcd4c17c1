import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import type { MachineInfo } from './report/types';

/**
 * The CPU as /proc/cpuinfo describes it: model name, family/model numbers and the widest SIMD extension, since
 * virtual machines often report only a brand ("AMD EPYC").
 */
export function cpuDescription(cpuinfo: string): string | null {
  const field = (name: string): string | undefined => {
    const line = cpuinfo.split('\n').find((l) => l.startsWith(name));
    return line?.slice(line.indexOf(':') + 1).trim();
  };
  const model = field('model name');
  if (!model) return null;
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const simd = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2' : flags.has('avx') ? 'AVX' : null;
  const family = field('cpu family');
  const number = field('model\t');
  const details = [family && number ? `family ${family} model ${number}` : null, simd].filter(Boolean).join(', ');
  return details ? `${model} (${details})` : model;
}

function cpuModel(): string {
  try {
    const described = cpuDescription(readFileSync('/proc/cpuinfo', 'utf8'));
    if (described) return described;
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

export function onnxruntimeVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadStart: loadavg()[0],
    loadEnd: Number.NaN,
  };
}

export function currentLoad(): number {
  return loadavg()[0];
}
