// The adapter's own run path, one run at a time through execute(), against kube-sim in its own
// process: launch overhead (execute() called → onDispatch / Job create request / container
// started as the adapter sees it), completion latency (the container's exit as kube-sim's kubelet
// recorded it → execute() resolved) with Job conditions on time and 30 s late, and log latency
// (a line written in the container → onLog) without faults and with every log stream cut every
// 3 s and every 500 ms, with the bytes the follower read again per reconnect.
import { k8sDetails, startRun } from "./adapter-run.ts";
import type { AgentSetup, RunOutcome } from "./adapter-run.ts";
import { makeFakeClaudeBinDir } from "./fake-claude.ts";
import { SimProcess } from "./sim-process.ts";
import { maxOf, percentile, round } from "./stats.ts";
import type { BenchOptions, BenchResult, Figure, Series, TargetCheck } from "./stats.ts";

type Measured = { launchDispatch: number[]; launchCreate: number[]; launchRunning: number[]; completion: number[]; logDelays: number[]; reconnects: number; bytesRead: number; replayedBytes: number; runs: number };

function emptyMeasured(): Measured {
  return { launchDispatch: [], launchCreate: [], launchRunning: [], completion: [], logDelays: [], reconnects: 0, bytesRead: 0, replayedBytes: 0, runs: 0 };
}

function emitEnv(lines: number, intervalMs: number, lineBytes = 400): Record<string, string> {
  return { BENCH_MODE: "emit", BENCH_LINES: String(lines), BENCH_INTERVAL_MS: String(intervalMs), BENCH_LINE_BYTES: String(lineBytes) };
}

/** Runs one execute() to its end and adds its figures to `into`. */
async function measureRun(sim: SimProcess, setup: AgentSetup, into: Measured, notes: string[]): Promise<RunOutcome> {
  const outcome = await startRun(setup).done;
  const { result, times } = outcome;
  const details = k8sDetails(result);
  if (result.errorCode !== null && result.errorCode !== undefined) notes.push(`run ${details.job ?? "?"} ended with ${result.errorCode}: ${result.errorMessage ?? ""}`);
  const [exits, creates] = await Promise.all([sim.exits(), sim.requests({ since: Math.floor(times.calledAt) })]);
  const exit = exits.find((e) => e.pod === details.pod && e.container === "claude");
  const create = creates.find((r) => r.verb === "create" && r.resource === "jobs");
  into.runs += 1;
  if (times.dispatchedAt !== null) into.launchDispatch.push(times.dispatchedAt - times.calledAt);
  if (create) into.launchCreate.push(create.time - times.calledAt);
  if (times.runningSeenAt !== null) into.launchRunning.push(times.runningSeenAt - times.calledAt);
  if (exit) into.completion.push(times.resolvedAt - exit.finishedAtMs);
  else notes.push(`no container exit recorded for pod ${details.pod ?? "?"}`);
  into.logDelays.push(...times.logDelays);
  into.reconnects += details.logs.reconnects ?? 0;
  into.bytesRead += details.logs.bytesRead ?? 0;
  into.replayedBytes += details.logs.replayedBytes ?? 0;
  return outcome;
}

function dist(label: string, samples: readonly number[], unit = "ms"): Figure[] {
  return [
    { metric: `${label} p50`, value: round(percentile(samples, 50)), unit },
    { metric: `${label} p99`, value: round(percentile(samples, 99)), unit },
    { metric: `${label} max`, value: round(maxOf(samples)), unit },
  ];
}

function within(target: string, samples: readonly number[], p: number, limitMs: number): TargetCheck {
  const value = percentile(samples, p);
  const met = value <= limitMs;
  return { target, measured: `${round(value, 1)} ms (p${p}, ${samples.length} samples)`, met, ...(met ? {} : { gap: `${round(value - limitMs, 1)} ms over (${round(value / limitMs, 1)}×)` }) };
}

export async function adapterLatencyBench(options: BenchOptions): Promise<BenchResult> {
  const bin = makeFakeClaudeBinDir();
  const sim = await SimProcess.start(bin.binDir);
  const notes: string[] = [];
  const quick = options.quick;
  const agent = (id: string, env: Record<string, string>): AgentSetup => ({ kubeconfigPath: sim.kubeconfigPath, namespace: "default", agentId: id, env });
  const cold = emptyMeasured();
  const onTime = emptyMeasured();
  const lagged = emptyMeasured();
  const uncut = emptyMeasured();
  const cut3s = emptyMeasured();
  const cut500 = emptyMeasured();
  const cutLines = quick ? 150 : 500; // 20 ms apart: 3 s / 10 s of output
  try {
    // The first run of the process pays module loading, the first TLS sessions and the informers' start.
    await measureRun(sim, agent("warm", emitEnv(20, 10)), cold, notes);
    for (let i = 0; i < (quick ? 3 : 10); i += 1) await measureRun(sim, agent(`on-time-${i}`, emitEnv(100, 10)), onTime, notes);
    await sim.call({ op: "setConditionLag", ms: 30_000 });
    for (let i = 0; i < (quick ? 2 : 5); i += 1) await measureRun(sim, agent(`lagged-${i}`, emitEnv(100, 10)), lagged, notes);
    await sim.call({ op: "setConditionLag", ms: 0 });
    // The same output without cuts: what the final drain re-reads anyway (it looks back 10 s once).
    await measureRun(sim, agent("uncut", emitEnv(cutLines, 20)), uncut, notes);
    await sim.call({ op: "cutLogStreamsEvery", ms: 3_000 });
    await measureRun(sim, agent("cut-3s", emitEnv(cutLines, 20)), cut3s, notes);
    await sim.call({ op: "cutLogStreamsEvery", ms: 500 });
    await measureRun(sim, agent("cut-500ms", emitEnv(cutLines, 20)), cut500, notes);
    await sim.call({ op: "stopCuttingLogStreams" });
  } finally {
    await sim.stop();
    bin.remove();
  }
  const perReconnect = (m: Measured) => (m.reconnects === 0 ? "no reconnect" : round((m.replayedBytes - uncut.replayedBytes) / m.reconnects, 0));
  const launch = [...onTime.launchCreate];
  return {
    name: "6. adapter run path (execute() against kube-sim in its own process)",
    notes,
    figures: [
      { metric: "runs (cold / on time / conditions 30 s late / uncut / cut 3 s / cut 500 ms)", value: `${cold.runs} / ${onTime.runs} / ${lagged.runs} / ${uncut.runs} / ${cut3s.runs} / ${cut500.runs}`, unit: "" },
      { metric: "cold: execute() → Job create request", value: round(cold.launchCreate[0] ?? Number.NaN), unit: "ms" },
      ...dist("launch: execute() → onDispatch", onTime.launchDispatch),
      ...dist("launch: execute() → Job create request", onTime.launchCreate),
      ...dist("launch: execute() → container started (seen)", onTime.launchRunning),
      ...dist("completion: exit → resolved, conditions on time", onTime.completion),
      ...dist("completion: exit → resolved, conditions 30 s late", lagged.completion),
      ...dist("log: write → onLog, no faults", onTime.logDelays),
      ...dist("log: write → onLog, streams cut every 3 s", cut3s.logDelays),
      ...dist("log: write → onLog, streams cut every 500 ms", cut500.logDelays),
      { metric: "same output uncut: reconnects / bytes read / re-read (final drain)", value: `${uncut.reconnects} / ${uncut.bytesRead} / ${uncut.replayedBytes}`, unit: "B" },
      { metric: "cut 3 s: reconnects / bytes read / re-read", value: `${cut3s.reconnects} / ${cut3s.bytesRead} / ${cut3s.replayedBytes}`, unit: "B" },
      { metric: "cut 3 s: bytes re-read per reconnect (beyond the uncut run's)", value: perReconnect(cut3s), unit: "B" },
      { metric: "cut 500 ms: reconnects / bytes read / re-read", value: `${cut500.reconnects} / ${cut500.bytesRead} / ${cut500.replayedBytes}`, unit: "B" },
      { metric: "cut 500 ms: bytes re-read per reconnect (beyond the uncut run's)", value: perReconnect(cut500), unit: "B" },
      { metric: "output written per second in the cut runs", value: uncut.runs > 0 ? round((uncut.bytesRead - uncut.replayedBytes) / (cutLines * 0.02)) : "", unit: "B/s" },
    ],
    series: [
      { kind: "distribution", name: "launch: execute() → Job create", unit: "ms", samples: launch },
      { kind: "distribution", name: "completion, conditions on time", unit: "ms", samples: onTime.completion },
      { kind: "distribution", name: "completion, conditions 30 s late", unit: "ms", samples: lagged.completion },
      { kind: "distribution", name: "log latency, no faults", unit: "ms", samples: onTime.logDelays },
      { kind: "distribution", name: "log latency, cut every 3 s", unit: "ms", samples: cut3s.logDelays },
      { kind: "distribution", name: "log latency, cut every 500 ms", unit: "ms", samples: cut500.logDelays },
    ] satisfies Series[],
    targets: [
      within("launch overhead (execute() → Job create) ≤ 50 ms", onTime.launchCreate, 50, 50),
      within("completion p99 ≤ 1 s, conditions on time", onTime.completion, 99, 1000),
      within("completion p99 ≤ 1 s, conditions 30 s late", lagged.completion, 99, 1000),
      within("log latency p99 ≤ 100 ms without faults", onTime.logDelays, 99, 100),
    ],
  };
}
