// Pure: each soak run judged against kube-sim's ground truth. The outcomes a run may report are
// the ones true to what happened (a cancellation that came after the container had exited by
// itself may be a success); the transcript must be every line the container wrote, once, in
// order, unless the API genuinely could not serve some (rotation) and the adapter said so.
import type { Observation } from "./host.ts";
import type { Container, Scenario } from "./schedule.ts";

export type Exit = { exitCode: number; reason: string };

/** What the checker reads from the cluster for one observation. */
export type Truth = { lines: string[]; rotatedAway: number; exits: Exit[] };

export type RunFacts = {
  scenario: Scenario;
  observations: Observation[];
  /** Ground truth for each observation's Job (null when it reported none). */
  truths: (Truth | null)[];
  injected: { what: string; fired: boolean; exitedBefore: boolean; effect?: string }[];
  jobAfter: "absent" | "terminating" | "present" | null;
  /** Jobs ever created for this scenario's agent during it (two-process claims only). */
  jobsCreated?: number;
};

export type Finding = { runId: string; kind: "wrong" | "lost" | "duplicated" | "misordered" | "hung" | "late" | "unhandled"; detail: string };

export type RunVerdict = { lost: number; duplicated: number; findings: Finding[] };

/** How the container ends by itself: its result and exit code, as the adapter should name it. */
export function naturalOutcome(c: Container): string | null {
  if (!c.result) return "claude_truncated";
  return c.exitCode === 0 ? null : "claude_failed";
}

/** The container's own exit, or the exit a fault caused (TERM/KILL/OOM). */
function endedByItself(c: Container, truth: Truth | null): boolean {
  const exit = truth?.exits.at(-1);
  return exit !== undefined && exit.exitCode === c.exitCode && exit.reason !== "OOMKilled";
}

/** The outcomes (errorCode, null = success) true to what happened to the first run. */
export function acceptedOutcomes(f: RunFacts): (string | null)[] {
  const s = f.scenario;
  const natural = naturalOutcome(s.container);
  const truth = f.truths[0] ?? null;
  const fired = f.injected.find((i) => i.fired);
  const byItself = endedByItself(s.container, truth);
  switch (s.fault.kind) {
    case "none": case "rotate": case "twoProcesses": return [natural];
    case "deadline": return ["timeout"];
    case "oom": return byItself || !fired ? [natural] : ["k8s_oom_killed"];
    // Deleted, the pod's container gets SIGTERM: the CLI's exit 143 names it (the Job then fails).
    case "deletePod": return [...(byItself || !fired ? [natural] : ["claude_terminated"]), ...(f.observations[0]?.incomplete ? ["k8s_log_incomplete"] : [])];
    case "evict": return [...(byItself || !fired ? [natural] : ["k8s_pod_evicted"]), ...(f.observations[0]?.incomplete ? ["k8s_log_incomplete"] : [])];
    // With the pod deleted, the log may end before its last lines: "incomplete" is then true.
    case "deleteJob": return [...(byItself || !fired ? [natural] : []), "k8s_job_deleted_externally", ...(f.observations[0]?.incomplete ? ["k8s_log_incomplete"] : [])];
    case "cancel": return !fired ? [natural] : byItself ? [natural, "cancelled"] : ["cancelled"];
    case "shutdown": return !fired ? [natural] : byItself ? [natural, "k8s_run_detached"] : ["k8s_run_detached"];
  }
}

/** Lines lost, duplicated or out of order against ground truth (lines are unique by construction). */
export function compareLines(seen: readonly string[], truth: readonly string[], prefixOnly: boolean): { lost: string[]; duplicated: number; extra: number; misordered: boolean; firstExtra?: string } {
  const want = new Map<string, number>();
  truth.forEach((line, i) => want.set(line, i));
  const counts = new Map<string, number>();
  let duplicated = 0;
  let extra = 0;
  let firstExtra: string | undefined;
  for (const line of seen) {
    const n = (counts.get(line) ?? 0) + 1;
    counts.set(line, n);
    if (!want.has(line)) { extra += 1; firstExtra ??= line; }
    else if (n > 1) duplicated += 1;
  }
  const order = seen.filter((l) => want.has(l)).map((l) => want.get(l) ?? 0);
  const misordered = order.some((v, i) => i > 0 && v < (order[i - 1] ?? 0));
  const upTo = prefixOnly ? Math.max(-1, ...order) + 1 : truth.length;
  const lost = truth.slice(0, upTo).filter((l) => !counts.has(l));
  return { lost, duplicated, extra, misordered, ...(firstExtra !== undefined ? { firstExtra } : {}) };
}

export function judge(f: RunFacts): RunVerdict {
  const findings: Finding[] = [];
  let lost = 0;
  let duplicated = 0;
  const s = f.scenario;
  const add = (runId: string, kind: Finding["kind"], detail: string) => findings.push({ runId, kind, detail });
  const accepted = acceptedOutcomes(f);
  f.observations.forEach((obs, i) => {
    const truth = f.truths[i] ?? null;
    if (obs.hung) add(obs.runId, "hung", `execute() did not return within the bound`);
    if (obs.late > 0) add(obs.runId, "late", `${obs.late} host callbacks after execute() returned`);
    for (const u of obs.unhandled) add(obs.runId, "unhandled", u.slice(0, 500));
    const want = wantedFor(f, i, accepted);
    if (!want.includes(obs.errorCode)) add(obs.runId, "wrong", `reported ${obs.errorCode ?? "success"} (exit ${obs.exitCode}), expected ${want.map((w) => w ?? "success").join(" or ")}`);
    if (obs.errorCode === "cancelled" && i === 0 && f.jobAfter === "present") add(obs.runId, "wrong", "cancelled, but the Job was still there (not deleted) when execute() returned");
    if (!truth || obs.lines.length === 0 && truth.lines.length === 0) return;
    const detached = obs.errorCode === "k8s_run_detached";
    const cmp = compareLines(obs.lines, truth.lines, detached);
    // Lines the API could not serve: rotated away, or gone with a pod deleted during the run.
    const rotated = new Set(truth.lines.slice(0, truth.rotatedAway));
    const podDeleted = i === 0 && ["deleteJob", "deletePod", "evict", "cancel", "deadline"].includes(s.fault.kind);
    const unservable = (l: string) => rotated.has(l) || podDeleted;
    const unreported = cmp.lost.filter((l) => !((obs.gaps > 0 || obs.incomplete) && unservable(l)));
    if (unreported.length > 0) add(obs.runId, "lost", `${unreported.length} of ${truth.lines.length} lines never reached the host (first: ${unreported[0]?.slice(0, 160)}); gaps reported: ${obs.gaps}`);
    if (cmp.duplicated + cmp.extra > 0) add(obs.runId, "duplicated", `${cmp.duplicated} lines twice, ${cmp.extra} lines the container never wrote${cmp.firstExtra !== undefined ? ` (first: ${JSON.stringify(cmp.firstExtra.slice(0, 200))})` : ""}`);
    if (cmp.misordered) add(obs.runId, "misordered", "lines reached the host out of order");
    lost += unreported.length;
    duplicated += cmp.duplicated + cmp.extra;
  });
  const [first, adopter] = f.observations;
  if (s.fault.kind === "shutdown" && first?.errorCode === "k8s_run_detached" && adopter && adopter.job !== first.job) {
    add(adopter.runId, "wrong", `the run was detached from Job ${first.job}, but the next run for the same task reported Job ${adopter.job ?? "none"}: the detached Job's result was never reported and its work ran again`);
  }
  const refused = f.observations.filter((o) => o.errorCode === "k8s_concurrent_run_blocked").length;
  if (s.fault.kind === "twoProcesses" && f.jobsCreated !== 2 - refused) add(s.runId, "wrong", `two processes claimed the agent at once: ${f.jobsCreated} Jobs were created, ${refused} run(s) refused`);
  return { lost, duplicated, findings };
}

/** Outcomes for observation i: the run itself, its adopter (the real result), or a two-process pair. */
function wantedFor(f: RunFacts, i: number, accepted: (string | null)[]): (string | null)[] {
  const natural = naturalOutcome(f.scenario.container);
  if (f.scenario.fault.kind === "twoProcesses") {
    // At once: one runs the Job, the other is refused. If one claim was slowed (retries under
    // 5xx) until the other's run had ended, both run, one after the other (the invariant monitor
    // proves they never overlapped).
    if (f.jobsCreated === 2) return [natural];
    const other = f.observations[1 - i];
    return other?.errorCode === "k8s_concurrent_run_blocked" ? [natural] : ["k8s_concurrent_run_blocked"];
  }
  return i === 0 ? accepted : [natural];
}
