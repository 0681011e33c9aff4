// The soak: N scenarios drawn from one seed, several at once (C lanes) and several per agent (a
// lane runs one agent's scenarios in order), under the seeded weather; each judged against
// kube-sim's ground truth; then the cluster is checked for leftovers and the invariant monitor
// for moments with two live Jobs for one agent.
import { judge } from "./check.ts";
import type { Finding, RunFacts } from "./check.ts";
import { runScenario } from "./run-one.ts";
import type { RunRecord } from "./run-one.ts";
import { describeFault, drawScenario, drawWeather } from "./schedule.ts";
import type { Scenario } from "./schedule.ts";
import { exitsOf, leftovers, startWeather, startWorld, truthOf } from "./world.ts";
import type { World } from "./world.ts";

export type SoakOptions = {
  runs: number; seed: number; concurrency: number; runsPerAgent?: number; hangBoundMs?: number;
  /** Start no new agent's runs after this many minutes (the summary counts the runs done). */
  minutes?: number;
  /** Replay only these run indices of the seed's schedule (each keeps its own draw). */
  only?: readonly number[];
  onProgress?: (p: Progress) => void;
};
export type Progress = { done: number; total: number; failing: number; elapsedMs: number };

export type FailedRun = { runId: string; schedule: string; container: string; findings: Finding[]; reported: string[] };

export type SoakSummary = {
  seed: number; runs: number; scheduleRuns: number; executions: number; concurrency: number;
  lostLines: number; duplicatedLines: number; wrongOutcomes: number;
  leftovers: string[]; twoLiveJobs: string[]; hangs: number; unhandledRejections: string[];
  failures: FailedRun[]; outcomes: Record<string, number>; seconds: number; ok: boolean;
};

export async function soak(options: SoakOptions): Promise<SoakSummary> {
  const started = Date.now();
  const perAgent = options.runsPerAgent ?? 3;
  const scenarios = Array.from({ length: options.runs }, (_, i) => drawScenario(options.seed, i, perAgent))
    .filter((s) => !options.only || options.only.includes(s.index));
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(reason instanceof Error ? reason.stack ?? reason.message : String(reason)); };
  process.on("unhandledRejection", onUnhandled);
  const world = await startWorld();
  const weather = startWeather(world, drawWeather(options.seed, 4 * 3600_000));
  const results: { facts: RunFacts; failing: boolean }[] = [];
  try {
    const lanes = groupByAgent(scenarios);
    let nextLane = 0;
    const worker = async () => {
      const stopAt = options.minutes ? started + options.minutes * 60_000 : Infinity;
      while (nextLane < lanes.length && Date.now() < stopAt) {
        for (const s of lanes[nextLane++] ?? []) {
          const record = await runScenario(world, s, { hangBoundMs: options.hangBoundMs ?? 150_000, unhandled });
          const facts = factsOf(world, record);
          results.push({ facts, failing: judge(facts).findings.length > 0 });
          options.onProgress?.({ done: results.length, total: scenarios.length, failing: results.filter((r) => r.failing).length, elapsedMs: Date.now() - started });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    weather.stop();
  }
  const left = await settledLeftovers(world);
  const twoLive = (world.sim.runtime?.invariants.check(world.invariant) ?? []).map((v) => `${v.at} rv ${v.resourceVersion}: ${v.message}`);
  await world.stop();
  process.off("unhandledRejection", onUnhandled);
  return summarize(options, results.map((r) => r.facts), left, twoLive, unhandled, Date.now() - started);
}

function groupByAgent(scenarios: Scenario[]): Scenario[][] {
  const lanes = new Map<string, Scenario[]>();
  for (const s of scenarios) lanes.set(s.agentId, [...(lanes.get(s.agentId) ?? []), s]);
  return [...lanes.values()];
}

function factsOf(world: World, record: RunRecord): RunFacts {
  const truths = record.observations.map((o) => (o.job ? { ...truthOf(world, o.job), exits: exitsOf(world, o.job) } : null));
  const { jobsCreated } = record;
  return { scenario: record.scenario, observations: record.observations, truths, injected: record.injected, jobAfter: record.jobAfter, ...(jobsCreated !== undefined ? { jobsCreated } : {}) };
}

/** Objects left once every run returned: Jobs end through GC and the kubelet's grace, so wait a little. */
async function settledLeftovers(world: World): Promise<string[]> {
  const until = Date.now() + 30_000;
  let left = leftovers(world);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    left = leftovers(world);
  }
  return left;
}

function summarize(options: SoakOptions, all: RunFacts[], left: string[], twoLive: string[], unhandled: string[], ms: number): SoakSummary {
  let lostLines = 0;
  let duplicatedLines = 0;
  let wrong = 0;
  let hangs = 0;
  const failures: FailedRun[] = [];
  const outcomes: Record<string, number> = {};
  for (const facts of all.sort((a, b) => a.scenario.index - b.scenario.index)) {
    const v = judge(facts);
    lostLines += v.lost;
    duplicatedLines += v.duplicated;
    wrong += v.findings.filter((f) => f.kind === "wrong").length;
    hangs += v.findings.filter((f) => f.kind === "hung").length;
    for (const o of facts.observations) outcomes[o.errorCode ?? "success"] = (outcomes[o.errorCode ?? "success"] ?? 0) + 1;
    const childUnhandled = v.findings.filter((f) => f.kind === "unhandled").map((f) => `${f.runId}: ${f.detail}`);
    unhandled.push(...childUnhandled);
    if (v.findings.length > 0) {
      const c = facts.scenario.container;
      failures.push({
        runId: facts.scenario.runId, schedule: describeFault(facts.scenario.fault), findings: v.findings,
        container: `${c.lines} lines every ${c.sleepMs} ms, ${c.result ? "result" : "no result"}, exit ${c.exitCode}`,
        reported: facts.observations.map((o) => `${o.runId}: ${o.errorCode ?? "success"} job=${o.job} lines=${o.lines.length} gaps=${o.gaps}${o.incomplete ? " incomplete" : ""} ${o.ms} ms${o.errorMessage ? ` (${o.errorMessage.slice(0, 300)})` : ""}`)
          .concat(facts.injected.map((i) => `injected ${i.what}: ${i.fired ? "fired" : "not fired"}${i.exitedBefore ? " (container had exited)" : ""}${i.effect ? ` -> ${i.effect}` : ""}`)),
      });
    }
  }
  const ok = lostLines === 0 && duplicatedLines === 0 && failures.length === 0 && left.length === 0 && twoLive.length === 0 && hangs === 0 && unhandled.length === 0;
  return {
    seed: options.seed, runs: all.length, scheduleRuns: options.runs, executions: all.reduce((s, f) => s + f.observations.length, 0), concurrency: options.concurrency,
    lostLines, duplicatedLines, wrongOutcomes: wrong, leftovers: left, twoLiveJobs: twoLive, hangs, unhandledRejections: unhandled,
    failures, outcomes, seconds: Math.round(ms / 100) / 10, ok,
  };
}
