// `npm run bench`: runs every benchmark in sequence, prints one table, and writes the figures to
// .tmp/bench-results.json. Benchmarks measure and report; they assert nothing about speed.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiRateBench } from "./api-rate.ts";
import { concurrentPodsBench } from "./concurrent-pods.ts";
import { concurrentWatchesBench } from "./concurrent-watches.ts";
import { logLatencyBench } from "./log-latency.ts";
import { parserThroughputBench } from "./parser-throughput.ts";
import { collectGarbage, descendantPids } from "./stats.ts";
import type { BenchResult } from "./stats.ts";

const BENCHES: { name: string; run: () => Promise<BenchResult> }[] = [
  { name: "log-latency", run: logLatencyBench },
  { name: "pods", run: concurrentPodsBench },
  { name: "watches", run: concurrentWatchesBench },
  { name: "parser", run: parserThroughputBench },
  { name: "api-rate", run: apiRateBench },
];

function printResult(result: BenchResult): void {
  const width = Math.max(...result.figures.map((figure) => figure.metric.length), 10);
  console.log(`\n${result.name}`);
  for (const figure of result.figures) {
    console.log(`  ${figure.metric.padEnd(width)}  ${String(figure.value).padStart(12)} ${figure.unit}`);
  }
  for (const note of result.notes) console.log(`  note: ${note}`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const results: BenchResult[] = [];
  const started = Date.now();
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.includes(bench.name)) continue;
    collectGarbage();
    const benchStarted = Date.now();
    try {
      const result = await bench.run();
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
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", node: process.version, platform: process.platform };
  const out = path.resolve(import.meta.dirname, "..", ".tmp", "bench-results.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, totalMs: Date.now() - started, results }, null, 2) + "\n");
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s on ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}; figures in ${out}`);
}

await main();
