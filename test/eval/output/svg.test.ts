import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, lineChart } from '../../../eval/output/svg';

const p = (mean: number) => ({ mean, lo: mean - 0.1, hi: mean + 0.1 });

test('bar chart: one bar and one whisker per value, escaped labels, bar height proportional to the value', () => {
  const svg = barChart({ title: 'A & B', yLabel: 'rate', categories: ['x', 'y'], series: [{ name: '<none>', values: [p(0.5), p(1)] }, { name: 'layout', values: [p(0.25), p(0)] }] });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('A &amp; B') && svg.includes('&lt;none&gt;') && !svg.includes('<none>'));
  const bars = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#/g)].map((m) => Number(m[2]));
  assert.equal(bars.length, 4);
  const plotH = 320 - 36 - 56;
  assert.deepEqual(bars.map((h) => Math.round((h / plotH) * 100) / 100), [0.5, 0.25, 1, 0]);
  assert.ok(svg.trim().endsWith('</svg>'));
});

test('line chart: one polyline per series with one point per x, log-spaced x', () => {
  const svg = lineChart({ title: 'gw', xLabel: 'gw', yLabel: 'rate', x: [0.1, 1, 10], series: [{ name: 'small', values: [p(0.2), p(0.5), p(0.9)] }] });
  const pts = /points="([^"]+)"/.exec(svg)![1].split(' ').map((s) => Number(s.split(',')[0]));
  assert.equal(pts.length, 3);
  assert.ok(Math.abs(pts[1] - pts[0] - (pts[2] - pts[1])) < 0.2, 'equal spacing on a log axis');
  assert.equal(svg.match(/<svg/g)!.length, 1);
  assert.ok(svg.includes('>small</text>'));
});
