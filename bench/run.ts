// `npm run bench`: runs the benchmarks in sequence, prints one table (and the targets from the
// issue with what was measured against them), and writes every figure with the machine it ran on
// to a JSON file and the latency distributions and scaling series to an SVG chart.
//   npm run bench                      every benchmark, full sizes (several minutes)
//   npm run bench -- --quick           the adapter's benchmarks at small sizes (under a minute)
//   npm run bench -- run scale         only the named ones
//   --json FILE  --svg FILE            where to write (default .tmp/bench-results.json, .tmp/bench-chart.svg)
//   --long-run-sec N                   the long quiet run of `requests` (default 120; the issue's 10 min is 600)
// Benchmarks measure and report; they assert only that they ran.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { adapterLatencyBench } from "./adapter-latency.ts";
import { adapterRequestsBench } from "./adapter-requests.ts";
import { adapterScaleBench } from "./adapter-scale.ts";
import { apiRateBench } from "./api-rate.ts";
import { concurrentPodsBench } from "./concurrent-pods.ts";
import { concurrentWatchesBench } from "./concurrent-watches.ts";
import { logLatencyBench } from "./log-latency.ts";
import { parserThroughputBench } from "./parser-throughput.ts";
import { collectGarbage, descendantPids } from "./stats.ts";
import type { BenchOptions, BenchResult } from "./stats.ts";
import { benchChart } from "./svg-chart.ts";
import { transcriptThroughputBench } from "./transcript-throughput.ts";

type Bench = { name: string; quick: boolean; run: (options: BenchOptions) => Promise<BenchResult> };

const BENCHES: Bench[] = [
  { name: "log-latency", quick: false, run: logLatencyBench },
  { name: "pods", quick: false, run: concurrentPodsBench },
  { name: "watches", quick: false, run: concurrentWatchesBench },
  { name: "parser", quick: false, run: parserThroughputBench },
  { name: "api-rate", quick: false, run: apiRateBench },
  { name: "run", quick: true, run: adapterLatencyBench },
  { name: "requests", quick: true, run: adapterRequestsBench },
  { name: "scale", quick: true, run: adapterScaleBench },
  { name: "transcript", quick: true, run: transcriptThroughputBench },
];

function printResult(result: BenchResult): void {
  const width = Math.max(...result.figures.map((figure) => figure.metric.length), 10);
  console.log(`\n${result.name}`);
  for (const figure of result.figures) {
    console.log(`  ${figure.metric.padEnd(width)}  ${String(figure.value).padStart(14)} ${figure.unit}`);
  }
  for (const note of result.notes) console.log(`  note: ${note}`);
}

function printTargets(results: readonly BenchResult[]): void {
  const targets = results.flatMap((r) => r.targets ?? []);
  if (targets.length === 0) return;
  const width = Math.max(...targets.map((t) => t.target.length));
  console.log("\ntargets (from the issue; a benchmark reports, it does not fail on these)");
  for (const t of targets) console.log(`  ${t.met ? "met    " : "NOT met"}  ${t.target.padEnd(width)}  ${t.measured}${t.gap ? `; gap: ${t.gap}` : ""}`);
}

function parseOptions(): { options: BenchOptions; only: string[]; json: string; svg: string } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { "quick": { type: "boolean", default: false }, "json": { type: "string" }, "svg": { type: "string" }, "long-run-sec": { type: "string", default: "120" } },
  });
  const tmp = path.resolve(import.meta.dirname, "..", ".tmp");
  const longRunSec = Number(values["long-run-sec"]);
  if (!(longRunSec > 0)) throw new Error(`--long-run-sec must be a positive number, got ${values["long-run-sec"]}`);
  const unknown = positionals.filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`);
  return {
    options: { quick: values.quick, longRunSec }, only: positionals,
    json: path.resolve(values.json ?? path.join(tmp, "bench-results.json")),
    svg: path.resolve(values.svg ?? path.join(tmp, "bench-chart.svg")),
  };
}

async function main(): Promise<void> {
  const { options, only, json, svg } = parseOptions();
  const selected = BENCHES.filter((b) => (only.length > 0 ? only.includes(b.name) : !options.quick || b.quick));
  const results: BenchResult[] = [];
  const started = Date.now();
  for (const bench of selected) {
    collectGarbage();
    const benchStarted = Date.now();
    try {
      const result = await bench.run(options);
      result.figures.push({ metric: "benchmark wall time", value: Math.round(Date.now() - benchStarted), unit: "ms" });
      results.push(result);
      printResult(result);
    } catch (error) {
      const failed: BenchResult = { name: bench.name, figures: [], notes: [`failed: ${(error as Error).stack ?? String(error)}`] };
      results.push(failed);
      printResult(failed);
      process.exitCode = 1;
    }
    const leftover = descendantPids();
    if (leftover.length > 0) {
      console.log(`  note: ${leftover.length} child processes still alive after ${bench.name}: ${leftover.join(", ")}`);
      process.exitCode = 1;
    }
  }
  printTargets(results);
  const cpus = os.cpus();
  const machine = { cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", memoryGb: Math.round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg(), node: process.version, platform: process.platform, kernel: os.release() };
  const date = new Date().toISOString();
  mkdirSync(path.dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify({ date, mode: options.quick ? "quick" : "full", options, machine, totalMs: Date.now() - started, results }, null, 2) + "\n");
  mkdirSync(path.dirname(svg), { recursive: true });
  writeFileSync(svg, benchChart(results, `${date} · ${options.quick ? "quick" : "full"} · ${machine.cpus} × ${machine.cpuModel} · node ${machine.node}`));
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s on ${machine.cpus} × ${machine.cpuModel} (load ${machine.loadAverage.map((l) => l.toFixed(1)).join(" ")}), node ${machine.node}`);
  console.log(`figures in ${json}\nchart in ${svg}`);
}

await main();
