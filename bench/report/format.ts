/** Number formatting for the results table: a few significant digits, units spelled out. */

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** 1.012 -> "1.012 (+1.2%)"; ratios far from 1 read better as factors: 3.4 -> "3.40x". */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  if (ratio > 0.5 && ratio < 2) {
    const pct = (ratio - 1) * 100;
    return `${ratio.toFixed(3)} (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%)`;
  }
  return `${ratio.toFixed(2)}x`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** FLOPs or FLOP/s with an SI prefix: 1.6e12 -> "1.61 T". */
export function formatSi(value: number): string {
  const prefixes: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, p] of prefixes) if (Math.abs(value) >= scale) return `${(value / scale).toFixed(value / scale >= 100 ? 0 : 2)} ${p}`;
  return `${value.toFixed(0)} `;
}

/** Escapes the characters that would break a markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
