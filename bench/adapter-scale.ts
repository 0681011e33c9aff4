// Many agents, one run each, at once (quiet containers that sleep): watch connections the
// adapter holds open, and the memory each active run costs in the process that runs execute()
// (kube-sim runs in its own process, so none of its memory is counted). Sizes 1, 50, 200, 500
// (quick: 1, 20); each size runs in a fresh worker process (scale-worker.ts: RSS never
// shrinks, so a size after a larger one would read nothing), waits until every run's container is
// running and its log is being followed, measures after full GCs, then cancels every run.
import { fork } from "node:child_process";
import path from "node:path";
import { makeFakeClaudeBinDir } from "./fake-claude.ts";
import { SimProcess } from "./sim-process.ts";
import { round, waitUntil } from "./stats.ts";
import type { BenchOptions, BenchResult, Figure, TargetCheck } from "./stats.ts";
import type { ParentMessage, WorkerMemory, WorkerMessage } from "./scale-worker.ts";

type Point = { runs: number; startMs: number; watches: number; informers: number; before: WorkerMemory; during: WorkerMemory; heapPerRunKb: number; externalPerRunKb: number; rssPerRunKb: number; requestsPerRun: number; cancelledOk: number };

/** A fresh worker process for one size, and a way to wait for its next message of a kind. */
function startWorker(kubeconfigPath: string, runs: number) {
  const child = fork(path.join(import.meta.dirname, "scale-worker.ts"), [kubeconfigPath, String(runs)], { execArgv: ["--conditions=source"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const inbox: WorkerMessage[] = [];
  const waiters: (() => void)[] = [];
  child.on("message", (message: WorkerMessage) => { inbox.push(message); for (const wake of waiters.splice(0)) wake(); });
  const exited = new Promise<void>((resolve) => child.once("exit", () => { for (const wake of waiters.splice(0)) wake(); resolve(); }));
  async function next<K extends WorkerMessage["type"]>(type: K, timeoutMs: number): Promise<Extract<WorkerMessage, { type: K }> | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = inbox.findIndex((m) => m.type === type);
      if (at !== -1) return inbox.splice(at, 1)[0] as Extract<WorkerMessage, { type: K }>;
      if (child.exitCode !== null || Date.now() > deadline) return null;
      await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
    }
  }
  const send = (message: ParentMessage) => { if (child.connected) child.send(message); };
  return { child, next, send, exited };
}

async function measureSize(sim: SimProcess, runs: number, notes: string[]): Promise<Point> {
  const worker = startWorker(sim.kubeconfigPath, runs);
  try {
    const ready = await worker.next("ready", 60_000);
    if (!ready) throw new Error(`${runs} runs: the worker did not start`);
    const since = Date.now();
    const started = performance.now();
    worker.send({ type: "start" });
    const running = await worker.next("running", 300_000);
    let streams = 0;
    const followed = await waitUntil(() => streams >= runs, 60_000, 200, async () => { streams = (await sim.counts()).openLogStreams; });
    const startMs = performance.now() - started;
    if (!running || !followed) notes.push(`${runs} runs: not all running (${running ? "all" : "not all"} containers, ${streams} log streams) within the bounds`);
    const counts = await sim.counts();
    worker.send({ type: "measure" });
    const measured = await worker.next("measured", 60_000);
    if (!measured) throw new Error(`${runs} runs: the worker did not measure`);
    const requests = (await sim.requests({ since })).length;
    worker.send({ type: "cancel" });
    const done = await worker.next("done", 120_000);
    const codes = done?.errorCodes ?? [];
    const cancelledOk = codes.filter((code) => code === "cancelled").length;
    if (cancelledOk < runs) notes.push(`${runs} runs: ${runs - cancelledOk} did not end as cancelled (${[...new Set(codes)].join(", ") || "no answer"})`);
    await waitUntil(() => streams === 0, 30_000, 200, async () => { streams = (await sim.counts()).openLogStreams; });
    const { before } = ready;
    const { during } = measured;
    return {
      runs, startMs, watches: counts.openWatches, informers: measured.informers, before, during, cancelledOk,
      heapPerRunKb: (during.heap - before.heap) / runs / 1024, externalPerRunKb: (during.external - before.external) / runs / 1024,
      rssPerRunKb: (during.rss - before.rss) / runs / 1024, requestsPerRun: requests / runs,
    };
  } finally {
    if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await worker.exited;
  }
}

export async function adapterScaleBench(options: BenchOptions): Promise<BenchResult> {
  const sizes = options.quick ? [1, 20] : [1, 50, 200, 500];
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
    { metric: `${p.runs} runs: V8 heap committed before / with the runs`, value: `${round(p.before.heapTotal / 2 ** 20, 1)} / ${round(p.during.heapTotal / 2 ** 20, 1)}`, unit: "MB" },
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
    targets.push({ target: `≤ 200 KB per active run at ${last.runs}`, measured: `JS heap ${round(last.heapPerRunKb, 1)} + external ${round(last.externalPerRunKb, 1)} KB, RSS ${round(last.rssPerRunKb, 1)} KB (an upper bound) per run; judged on RSS`, met: memMet, ...(memMet ? {} : { gap: `${round(perRunKb - 200, 1)} KB over (${round(perRunKb / 200, 1)}×)` }) });
    // The marginal cost leaves out what every size pays once (informers, TLS and heap growth).
    const marginal = (field: "heap" | "rss") => (last.during[field] - first.during[field]) / (last.runs - first.runs) / 1024;
    if (last.runs > first.runs) {
      figures.push({ metric: `marginal per run from ${first.runs} to ${last.runs} runs: JS heap / RSS`, value: `${round(marginal("heap"), 1)} / ${round(marginal("rss"), 1)}`, unit: "KB" });
    }
    figures.push({ metric: `ratio ${last.runs} / ${first.runs} runs: watches, heap per run, RSS per run`, value: `${round(last.watches / first.watches)} / ${round(last.heapPerRunKb / first.heapPerRunKb)} / ${round(last.rssPerRunKb / first.rssPerRunKb)}`, unit: "×" });
  }
  notes.push("RSS also keeps what the allocator got for the launches' transient work (all N runs start at once, each with its own TLS handshakes) and does not give back: an upper bound; one open TLS connection (each run's log stream) costs about 110 KB of RSS here");
  if (!options.quick) notes.push("memory is of the worker process that runs execute() (its informers, followers, TLS sockets), from a baseline taken after loading the adapter; kube-sim and the containers run in other processes");
  return {
    name: `8. concurrent runs (${sizes.join(", ")} agents, one quiet run each)`,
    notes, figures, targets,
    series: [
      { kind: "scaling", name: "watch connections", xLabel: "concurrent runs", unit: "", points: points.map((p) => ({ x: p.runs, y: p.watches })) },
      { kind: "scaling", name: "JS heap per active run", xLabel: "concurrent runs", unit: "KB", points: points.map((p) => ({ x: p.runs, y: round(p.heapPerRunKb, 1) })) },
      { kind: "scaling", name: "RSS per active run", xLabel: "concurrent runs", unit: "KB", points: points.map((p) => ({ x: p.runs, y: round(p.rssPerRunKb, 1) })) },
    ],
  };
}
