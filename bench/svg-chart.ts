// The benchmark's chart as one hand-written SVG: the latency distributions as cumulative curves
// on a logarithmic time axis (how many samples were at most x ms; the y axis gives each "nine" the
// same height, so p90, p99 and p99.9 are apart), and each scaling series as a
// small chart of its figure against size, with the ratio between the largest and smallest size.
import type { BenchResult, Series } from "./stats.ts";
import { percentile } from "./stats.ts";

type Distribution = Extract<Series, { kind: "distribution" }>;
type Scaling = Extract<Series, { kind: "scaling" }>;

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const WIDTH = 960;
const CDF = { x: 70, y: 50, w: 560, h: 300 };
const SMALL = { w: 270, h: 180, gap: 40, top: 420 };

function esc(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function fmt(value: number): string {
  if (value >= 100) return String(Math.round(value));
  if (value >= 1) return String(Math.round(value * 10) / 10);
  return String(Math.round(value * 100) / 100);
}

function cdfPanel(distributions: Distribution[]): string[] {
  const all = distributions.flatMap((d) => d.samples).filter((v) => Number.isFinite(v));
  if (all.length === 0) return [];
  const lo = Math.log10(Math.max(0.1, Math.min(...all)));
  const hi = Math.log10(Math.max(...all) * 1.2);
  const xOf = (ms: number) => CDF.x + ((Math.log10(Math.max(ms, 0.1)) - lo) / (hi - lo || 1)) * CDF.w;
  // Tail-first: equal height for each "nine" (p0 → p90 → p99 → p99.9), where latencies differ.
  const yOf = (fraction: number) => CDF.y + CDF.h - (Math.min(3, -Math.log10(Math.max(1 - fraction, 1e-3))) / 3) * CDF.h;
  const out = [`<text x="${CDF.x}" y="${CDF.y - 20}" font-size="15" font-weight="bold">Latency distributions: share of samples ≤ x ms (x log scale; y one step per nine)</text>`,
    `<rect x="${CDF.x}" y="${CDF.y}" width="${CDF.w}" height="${CDF.h}" fill="none" stroke="#888"/>`];
  for (let decade = Math.ceil(lo); decade <= Math.floor(hi); decade += 1) {
    const x = xOf(10 ** decade);
    out.push(`<line x1="${x}" y1="${CDF.y}" x2="${x}" y2="${CDF.y + CDF.h}" stroke="#ddd"/>`, `<text x="${x}" y="${CDF.y + CDF.h + 16}" font-size="11" text-anchor="middle">${fmt(10 ** decade)}</text>`);
  }
  for (const [fraction, label] of [[0, "p0"], [0.5, "p50"], [0.9, "p90"], [0.99, "p99"], [0.999, "p99.9"]] as const) {
    const y = yOf(fraction);
    out.push(`<line x1="${CDF.x}" y1="${y}" x2="${CDF.x + CDF.w}" y2="${y}" stroke="#eee"/>`, `<text x="${CDF.x - 6}" y="${y + 4}" font-size="11" text-anchor="end">${label}</text>`);
  }
  distributions.forEach((d, index) => {
    const color = COLORS[index % COLORS.length] ?? "#000";
    const sorted = [...d.samples].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const step = Math.max(1, Math.floor(sorted.length / 300));
    const points = sorted.flatMap((v, i) => (i % step === 0 || i === sorted.length - 1 ? [`${xOf(v).toFixed(1)},${yOf((i + 1) / sorted.length).toFixed(1)}`] : []));
    if (points.length > 0) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(" ")}"/>`);
    const y = CDF.y + 10 + index * 34;
    const x = CDF.x + CDF.w + 20;
    out.push(`<rect x="${x}" y="${y}" width="14" height="4" fill="${color}"/>`,
      `<text x="${x + 20}" y="${y + 6}" font-size="12">${esc(d.name)}</text>`,
      `<text x="${x + 20}" y="${y + 21}" font-size="11" fill="#555">n=${sorted.length}  p50 ${fmt(percentile(sorted, 50))}  p99 ${fmt(percentile(sorted, 99))}  max ${fmt(sorted.at(-1) ?? Number.NaN)} ms</text>`);
  });
  return out;
}

function scalingPanel(series: Scaling, index: number): string[] {
  const column = index % 3;
  const row = Math.floor(index / 3);
  const x0 = 60 + column * (SMALL.w + SMALL.gap);
  const y0 = SMALL.top + row * (SMALL.h + 70);
  const ys = series.points.map((p) => p.y);
  const max = Math.max(...ys, 1) * 1.15;
  const xOf = (i: number) => x0 + (series.points.length === 1 ? SMALL.w / 2 : (i / (series.points.length - 1)) * (SMALL.w - 40) + 20);
  const yOf = (v: number) => y0 + SMALL.h - (v / max) * SMALL.h;
  const first = series.points[0];
  const last = series.points.at(-1);
  const ratio = first && last && first.y !== 0 ? `×${fmt(last.y / first.y)} from ${first.x} to ${last.x}` : "";
  const out = [`<text x="${x0}" y="${y0 - 22}" font-size="13" font-weight="bold">${esc(series.name)}${series.unit ? ` (${esc(series.unit)})` : ""}</text>`,
    `<text x="${x0}" y="${y0 - 7}" font-size="11" fill="#555">${esc(ratio)}</text>`,
    `<rect x="${x0}" y="${y0}" width="${SMALL.w}" height="${SMALL.h}" fill="none" stroke="#888"/>`,
    `<text x="${x0 + SMALL.w / 2}" y="${y0 + SMALL.h + 30}" font-size="11" text-anchor="middle">${esc(series.xLabel)}</text>`];
  const color = COLORS[index % COLORS.length] ?? "#000";
  out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${series.points.map((p, i) => `${xOf(i).toFixed(1)},${yOf(p.y).toFixed(1)}`).join(" ")}"/>`);
  series.points.forEach((p, i) => {
    out.push(`<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(p.y).toFixed(1)}" r="3.5" fill="${color}"/>`,
      `<text x="${xOf(i).toFixed(1)}" y="${(yOf(p.y) - 7).toFixed(1)}" font-size="11" text-anchor="middle">${fmt(p.y)}</text>`,
      `<text x="${xOf(i).toFixed(1)}" y="${y0 + SMALL.h + 15}" font-size="11" text-anchor="middle">${p.x}</text>`);
  });
  return out;
}

export function benchChart(results: readonly BenchResult[], caption: string): string {
  const series = results.flatMap((r) => r.series ?? []);
  const distributions = series.filter((s): s is Distribution => s.kind === "distribution" && s.samples.length > 0);
  const scaling = series.filter((s): s is Scaling => s.kind === "scaling" && s.points.length > 0);
  const height = SMALL.top + Math.ceil(scaling.length / 3) * (SMALL.h + 70) + 20;
  const body = [...cdfPanel(distributions), ...scaling.flatMap((s, i) => scalingPanel(s, i))];
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH - 10}" y="16" font-size="11" text-anchor="end" fill="#555">${esc(caption)}</text>`,
    ...body, "</svg>", ""].join("\n");
}
