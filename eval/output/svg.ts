/**
 * Hand-written SVG charts for the report: grouped bars (one group per category, one bar per series) and lines
 * (one line per series over numeric x), each with 95% interval whiskers. Plain SVG 1.1, no scripts, no fonts beyond
 * the generic sans-serif, so GitHub renders it inline.
 */
export interface Point {
  mean: number;
  lo: number;
  hi: number;
}

export interface BarChart {
  title: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: Point[] }[];
  /** Upper end of the y axis (default 1: rates). */
  yMax?: number;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: { name: string; values: Point[] }[];
  yMax?: number;
}

const W = 640;
const H = 320;
const M = { left: 56, right: 150, top: 36, bottom: 56 };
const COLOURS = ['#888888', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (v: number): string => (Math.round(v * 10) / 10).toString();

function frame(title: string, yLabel: string, yMax: number, body: string[], legend: string[]): string {
  const plotH = H - M.top - M.bottom;
  const y = (v: number): number => M.top + plotH * (1 - v / yMax);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * yMax);
  const axis = ticks.map((t) => `<line x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#ddd"/><text x="${M.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${Number(t.toFixed(2))}</text>`);
  const legendItems = legend.map((name, k) => `<rect x="${W - M.right + 12}" y="${M.top + k * 18}" width="12" height="12" fill="${COLOURS[k % COLOURS.length]}"/><text x="${W - M.right + 30}" y="${M.top + k * 18 + 10}">${esc(name)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<text transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    ...axis, ...body, ...legendItems, '</svg>',
  ].join('\n');
}

function whisker(x: number, p: Point, y: (v: number) => number): string {
  return `<line x1="${f(x)}" x2="${f(x)}" y1="${f(y(p.lo))}" y2="${f(y(p.hi))}" stroke="black"/>`;
}

export function barChart(c: BarChart): string {
  const yMax = c.yMax ?? 1;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v: number): number => M.top + plotH * (1 - Math.min(Math.max(v, 0), yMax) / yMax);
  const groupW = plotW / Math.max(1, c.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  const body: string[] = [];
  c.categories.forEach((cat, i) => {
    const gx = M.left + i * groupW + groupW * 0.1;
    c.series.forEach((s, k) => {
      const p = s.values[i];
      if (!p) return;
      const x = gx + k * barW;
      body.push(`<rect class="bar" x="${f(x)}" y="${f(y(p.mean))}" width="${f(barW - 1)}" height="${f(y(0) - y(p.mean))}" fill="${COLOURS[k % COLOURS.length]}"/>`, whisker(x + barW / 2, p, y));
    });
    body.push(`<text x="${f(gx + groupW * 0.4)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(cat)}</text>`);
  });
  return frame(c.title, c.yLabel, yMax, body, c.series.map((s) => s.name));
}

export function lineChart(c: LineChart): string {
  const yMax = c.yMax ?? 1;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v: number): number => M.top + plotH * (1 - Math.min(Math.max(v, 0), yMax) / yMax);
  // Log x: the gw values span 0.05-1.0.
  const lx = c.x.map((v) => Math.log(v));
  const lo = Math.min(...lx), hi = Math.max(...lx);
  const x = (i: number): number => M.left + (hi > lo ? ((lx[i] - lo) / (hi - lo)) * plotW : plotW / 2);
  const body: string[] = c.x.map((v, i) => `<text x="${f(x(i))}" y="${H - M.bottom + 16}" text-anchor="middle">${v}</text>`);
  body.push(`<text x="${M.left + plotW / 2}" y="${H - 12}" text-anchor="middle">${esc(c.xLabel)} (log scale)</text>`);
  c.series.forEach((s, k) => {
    const colour = COLOURS[(k + 1) % COLOURS.length];
    body.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${s.values.map((p, i) => `${f(x(i))},${f(y(p.mean))}`).join(' ')}"/>`);
    s.values.forEach((p, i) => body.push(`<circle cx="${f(x(i))}" cy="${f(y(p.mean))}" r="3" fill="${colour}"/>`, whisker(x(i), p, y)));
  });
  return frame(c.title, c.yLabel, yMax, body, []).replace('</svg>', `${c.series.map((s, k) => `<rect x="${W - M.right + 12}" y="${M.top + k * 18}" width="12" height="12" fill="${COLOURS[(k + 1) % COLOURS.length]}"/><text x="${W - M.right + 30}" y="${M.top + k * 18 + 10}">${esc(s.name)}</text>`).join('\n')}\n</svg>`);
}
