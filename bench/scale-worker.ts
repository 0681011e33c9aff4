// One size of the concurrent-runs benchmark, in a fresh process so that its RSS starts clean (an
// allocator keeps the pages of an earlier, larger size): starts N quiet runs through execute(),
// says when every container is running, measures its own memory when asked (after full GCs),
// then cancels every run when asked and reports how they ended.
import { sharedInformers } from "../packages/claude-k8s/src/kube/informer-registry.ts";
import { startRun } from "./adapter-run.ts";
import { collectGarbage } from "./stats.ts";

export type WorkerMemory = { heap: number; heapTotal: number; external: number; rss: number };
export type WorkerMessage =
  | { type: "ready"; before: WorkerMemory }
  | { type: "running" }
  | { type: "measured"; during: WorkerMemory; informers: number }
  | { type: "done"; errorCodes: (string | null)[] };
export type ParentMessage = { type: "start" } | { type: "measure" } | { type: "cancel" };

const [kubeconfigPath = "", runsText = "1"] = process.argv.slice(2);
const runs = Number(runsText);

/** After two full GCs (the second collects what the first's finalizers freed). */
function memory(): WorkerMemory {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, rss: usage.rss };
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

let handles: ReturnType<typeof startRun>[] = [];
process.on("message", (message: ParentMessage) => {
  if (message.type === "start") {
    let running = 0;
    handles = Array.from({ length: runs }, (_, index) => startRun(
      { kubeconfigPath, namespace: "default", agentId: `scale-${runs}-${index}`, env: { BENCH_MODE: "quiet", BENCH_SLEEP_SEC: "3600" } },
      { onRunning: () => { running += 1; if (running === runs) send({ type: "running" }); } }));
  } else if (message.type === "measure") {
    send({ type: "measured", during: memory(), informers: sharedInformers.openInformers() });
  } else {
    for (const handle of handles) handle.abort.abort(new Error("bench: cancelled by the benchmark"));
    void Promise.all(handles.map((handle) => handle.done)).then((outcomes) => {
      send({ type: "done", errorCodes: outcomes.map((o) => o.result.errorCode ?? null) });
      process.disconnect();
    });
  }
});
// Everything a run needs is loaded (imported above) before the baseline: the delta is the runs' own.
send({ type: "ready", before: memory() });
