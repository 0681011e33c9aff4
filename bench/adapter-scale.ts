// Many agents, one run each, at once (quiet containers that sleep): watch connections the
// adapter holds open, and the memory each active run costs in the process that runs execute()
// (kube-sim runs in its own process, so none of its memory is counted). Sizes 1, 50, 200, 500
// (quick: 1, 10, 50); each size starts from nothing, waits until every run's container is running
// and its log is being followed, measures after a full GC, then cancels every run.
import { sharedInformers } from "../packages/claude-k8s/src/kube/informer-registry.ts";
import { startRun } from "./adapter-run.ts";
import type { RunOutcome } from "./adapter-run.ts";
import { makeFakeClaudeBinDir } from "./fake-claude.ts";
import { SimProcess } from "./sim-process.ts";
import { collectGarbage, round, waitUntil } from "./stats.ts";
import type { BenchOptions, BenchResult, Figure, TargetCheck } from "./stats.ts";

type Memory = { heap: number; external: number; rss: number };
type Point = { runs: number; startMs: number; watches: number; informers: number; before: Memory; during: Memory; heapPerRunKb: number; externalPerRunKb: number; rssPerRunKb: number; requestsPerRun: number; running: number; cancelledOk: number };

/** After two full GCs (the second collects what the first's finalizers freed). */
function memory(): Memory {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.external, rss: usage.rss };
}

async function measureSize(sim: SimProcess, runs: number, notes: string[]): Promise<Point> {
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the previous size's sockets close
  const before = memory();
  const since = Date.now();
  let running = 0;
  const started = performance.now();
  const handles = Array.from({ length: runs }, (_, index) => startRun(
    { kubeconfigPath: sim.kubeconfigPath, namespace: "default", agentId: `scale-${runs}-${index}`, env: { BENCH_MODE: "quiet", BENCH_SLEEP_SEC: "3600" } },
    { onRunning: () => { running += 1; } }));
  let streams = 0;
  const allFollowed = await waitUntil(() => running >= runs && streams >= runs, 300_000, 200, async () => { streams = (await sim.counts()).openLogStreams; });
  const startMs = performance.now() - started;
  if (!allFollowed) notes.push(`${runs} runs: only ${running} containers running and ${streams} log streams open after 300 s`);
  const counts = await sim.counts();
  const informers = sharedInformers.openInformers();
  const during = memory();
  const requests = (await sim.requests({ since })).length;
  for (const handle of handles) handle.abort.abort(new Error("bench: cancelled by the benchmark"));
  const outcomes: RunOutcome[] = await Promise.all(handles.map((handle) => handle.done));
  const cancelledOk = outcomes.filter((o) => o.result.errorCode === "cancelled").length;
  if (cancelledOk < runs) notes.push(`${runs} runs: ${runs - cancelledOk} did not end as cancelled (${[...new Set(outcomes.map((o) => o.result.errorCode))].join(", ")})`);
  await waitUntil(() => streams === 0, 30_000, 200, async () => { streams = (await sim.counts()).openLogStreams; });
  return {
    runs, startMs, watches: counts.openWatches, informers, running, before, during,
    heapPerRunKb: (during.heap - before.heap) / runs / 1024, externalPerRunKb: (during.external - before.external) / runs / 1024,
    rssPerRunKb: (during.rss - before.rss) / runs / 1024,
    requestsPerRun: requests / runs, cancelledOk,
  };
}

export async function adapterScaleBench(options: BenchOptions): Promise<BenchResult> {
  const sizes = options.quick ? [1, 10, 50] : [1, 50, 200, 500];
  const bin = makeFakeClaudeBinDir();
  const sim = await SimProcess.start(bin.binDir);
  const notes: string[] = [];
  const points: Point[] = [];
  try {
    for (const runs of sizes) points.push(await measureSize(sim, runs, notes));
  } finally {
    await sim.stop();
    bin.remove();
  }
  const figures: Figure[] = points.flatMap((p) => [
    { metric: `${p.runs} runs: all running and followed after`, value: Math.round(p.startMs), unit: "ms" },
    { metric: `${p.runs} runs: watch connections at kube-sim / openInformers()`, value: `${p.watches} / ${p.informers}`, unit: "" },
    { metric: `${p.runs} runs: JS heap before / with the runs`, value: `${round(p.before.heap / 2 ** 20, 1)} / ${round(p.during.heap / 2 ** 20, 1)}`, unit: "MB" },
    { metric: `${p.runs} runs: RSS before / with the runs`, value: `${round(p.before.rss / 2 ** 20, 1)} / ${round(p.during.rss / 2 ** 20, 1)}`, unit: "MB" },
    { metric: `${p.runs} runs: JS heap per active run`, value: round(p.heapPerRunKb, 1), unit: "KB" },
    { metric: `${p.runs} runs: external (buffers, TLS) per active run`, value: round(p.externalPerRunKb, 1), unit: "KB" },
    { metric: `${p.runs} runs: RSS per active run`, value: round(p.rssPerRunKb, 1), unit: "KB" },
    { metric: `${p.runs} runs: API requests per run up to running`, value: round(p.requestsPerRun, 1), unit: "" },
  ]);
  const first = points[0];
  const last = points.at(-1);
  const targets: TargetCheck[] = [];
  if (first && last) {
    const watchesMet = last.watches <= first.watches;
    targets.push({ target: "watch streams constant in run count", measured: points.map((p) => `${p.watches} at ${p.runs}`).join(", "), met: watchesMet, ...(watchesMet ? {} : { gap: `${first.watches} → ${last.watches}` }) });
    const perRunKb = Math.max(last.heapPerRunKb, last.rssPerRunKb);
    const memMet = perRunKb <= 200;
    targets.push({ target: `≤ 200 KB per active run at ${last.runs}`, measured: `heap ${round(last.heapPerRunKb, 1)} KB, RSS ${round(last.rssPerRunKb, 1)} KB per run`, met: memMet, ...(memMet ? {} : { gap: `${round(perRunKb - 200, 1)} KB over (${round(perRunKb / 200, 1)}×)` }) });
    figures.push({ metric: `ratio ${last.runs} / ${first.runs} runs: watches, heap per run, RSS per run`, value: `${round(last.watches / first.watches)} / ${round(last.heapPerRunKb / first.heapPerRunKb)} / ${round(last.rssPerRunKb / first.rssPerRunKb)}`, unit: "×" });
  }
  if (!options.quick) notes.push("memory is of this process only (execute() and its informers, followers, TLS sockets); kube-sim and the containers run in other processes");
  return {
    name: `7. concurrent runs (${sizes.join(", ")} agents, one quiet run each)`,
    notes, figures, targets,
    series: [
      { kind: "scaling", name: "watch connections", xLabel: "concurrent runs", unit: "", points: points.map((p) => ({ x: p.runs, y: p.watches })) },
      { kind: "scaling", name: "JS heap per active run", xLabel: "concurrent runs", unit: "KB", points: points.map((p) => ({ x: p.runs, y: round(p.heapPerRunKb, 1) })) },
      { kind: "scaling", name: "RSS per active run", xLabel: "concurrent runs", unit: "KB", points: points.map((p) => ({ x: p.runs, y: round(p.rssPerRunKb, 1) })) },
    ],
  };
}
