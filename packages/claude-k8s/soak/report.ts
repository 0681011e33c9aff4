// The soak's summary as text: the figures, then each failing run with its schedule, what it
// reported and what the soak injected, then leftovers, invariant violations and rejections.
import type { SoakSummary } from "./soak.ts";

export function formatSummary(s: SoakSummary): string {
  const out: string[] = [];
  const rows: [string, string | number][] = [
    ["runs", `${s.runs} (${s.executions} execute() calls, seed ${s.seed}, concurrency ${s.concurrency})`],
    ["lost lines", s.lostLines], ["duplicated lines", s.duplicatedLines], ["wrong outcomes", s.wrongOutcomes],
    ["objects left after cleanup", s.leftovers.length], ["moments with two live Jobs for one agent", s.twoLiveJobs.length],
    ["hangs", s.hangs], ["unhandled rejections", s.unhandledRejections.length], ["time", `${s.seconds} s`],
  ];
  out.push("claude_k8s soak");
  for (const [k, v] of rows) out.push(`  ${k.padEnd(42)} ${v}`);
  out.push(`  outcomes: ${Object.entries(s.outcomes).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const f of s.failures) {
    out.push("", `  FAILED ${f.runId}: ${f.schedule}; container: ${f.container}`);
    for (const finding of f.findings) out.push(`    ${finding.kind} (${finding.runId}): ${finding.detail}`);
    for (const r of f.reported) out.push(`      ${r}`);
  }
  for (const l of s.leftovers) out.push(`  left: ${l}`);
  for (const v of s.twoLiveJobs) out.push(`  two live Jobs: ${v}`);
  for (const u of s.unhandledRejections) out.push(`  unhandled: ${u.split("\n")[0]}`);
  const failed = s.failures.map((f) => f.runId.split("-").at(-1)).join(",");
  out.push("", `${s.ok ? "OK" : "FAILED"}: replay with npm run soak -- --runs ${s.scheduleRuns} --seed ${s.seed} --concurrency ${s.concurrency}${failed ? ` (only the failed runs: add --only ${failed})` : ""}`);
  return out.join("\n");
}
