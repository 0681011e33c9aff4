// npm run soak -- --runs N --seed S [--concurrency C] [--json FILE]
// Runs the chaos soak against kube-sim and prints what it found; exits 1 if anything was lost,
// duplicated, wrong, leaked, violated or hung.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { soak } from "./soak.ts";
import type { Progress } from "./soak.ts";
import { formatSummary } from "./report.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100" }, seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "4" }, json: { type: "string" }, "runs-per-agent": { type: "string", default: "3" },
    only: { type: "string" }, minutes: { type: "string" },
  },
});
const whole = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) { console.error(`--${name} must be a whole number, got ${text}`); process.exit(2); }
  return n;
};

function bar(p: Progress): void {
  const width = 30;
  const filled = Math.round((p.done / Math.max(1, p.total)) * width);
  const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} runs, ${p.failing} failing, ${Math.round(p.elapsedMs / 1000)} s`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else if (p.done === p.total || p.done % Math.min(10, Math.max(1, Math.round(p.total / 20))) === 0) process.stderr.write(`${line}\n`);
}

const summary = await soak({
  runs: whole("runs", values.runs), seed: whole("seed", values.seed), concurrency: Math.max(1, whole("concurrency", values.concurrency)),
  runsPerAgent: Math.max(1, whole("runs-per-agent", values["runs-per-agent"])), onProgress: bar,
  ...(values.minutes ? { minutes: whole("minutes", values.minutes) } : {}),
  ...(values.only ? { only: values.only.split(",").map((i) => whole("only", i)) } : {}),
});
if (values.json) await writeFile(values.json, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\n${formatSummary(summary)}`);
process.exit(summary.ok ? 0 : 1);
