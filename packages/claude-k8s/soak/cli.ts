// npm run soak -- --runs N --seed S [--concurrency C] [--json FILE]
// Runs the chaos soak against kube-sim and prints what it found; exits 1 if anything was lost,
// duplicated, wrong, leaked, violated or hung.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { soak } from "./soak.ts";
import type { Progress, SoakSummary } from "./soak.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100" }, seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "4" }, json: { type: "string" }, "runs-per-agent": { type: "string", default: "3" },
    only: { type: "string" },
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
  else if (p.done === p.total || p.done % Math.max(1, Math.round(p.total / 20)) === 0) process.stderr.write(`${line}\n`);
}

function print(s: SoakSummary): void {
  const rows: [string, string | number][] = [
    ["runs", `${s.runs} (${s.executions} execute() calls, seed ${s.seed}, concurrency ${s.concurrency})`],
    ["lost lines", s.lostLines], ["duplicated lines", s.duplicatedLines], ["wrong outcomes", s.wrongOutcomes],
    ["objects left after cleanup", s.leftovers.length], ["moments with two live Jobs for one agent", s.twoLiveJobs.length],
    ["hangs", s.hangs], ["unhandled rejections", s.unhandledRejections.length], ["time", `${s.seconds} s`],
  ];
  console.log("\nclaude_k8s soak");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(42)} ${v}`);
  console.log(`  outcomes: ${Object.entries(s.outcomes).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const f of s.failures) {
    console.log(`\n  FAILED ${f.runId}: ${f.schedule}; container: ${f.container}`);
    for (const finding of f.findings) console.log(`    ${finding.kind} (${finding.runId}): ${finding.detail}`);
    for (const r of f.reported) console.log(`      ${r}`);
  }
  for (const l of s.leftovers) console.log(`  left: ${l}`);
  for (const v of s.twoLiveJobs) console.log(`  two live Jobs: ${v}`);
  for (const u of s.unhandledRejections) console.log(`  unhandled: ${u.split("\n")[0]}`);
  const failed = s.failures.map((f) => f.runId.split("-").at(-1)).join(",");
  console.log(`\n${s.ok ? "OK" : "FAILED"}: replay with npm run soak -- --runs ${s.scheduleRuns} --seed ${s.seed} --concurrency ${s.concurrency}${failed ? ` (only the failed runs: add --only ${failed})` : ""}`);
}

const summary = await soak({
  runs: whole("runs", values.runs), seed: whole("seed", values.seed), concurrency: Math.max(1, whole("concurrency", values.concurrency)),
  runsPerAgent: Math.max(1, whole("runs-per-agent", values["runs-per-agent"])), onProgress: bar,
  ...(values.only ? { only: values.only.split(",").map((i) => whole("only", i)) } : {}),
});
if (values.json) await writeFile(values.json, `${JSON.stringify(summary, null, 2)}\n`);
print(summary);
process.exit(summary.ok ? 0 : 1);
