// Benchmark 1: how long a container's log line takes to reach a follower, through the API
// (client-node Log with follow + timestamps) and in-process (the runtime's LogSource), both
// attached to the same container at once so the two see the very same lines.
import { Writable } from "node:stream";
import { Log } from "@kubernetes/client-node";
import type { LogLine } from "kube-sim";
import { startBenchSim, shellPodSpec } from "./sim-client.ts";
import type { BenchSim } from "./sim-client.ts";
import { maxOf, percentile, round, waitUntil, wallMs } from "./stats.ts";
import type { BenchResult, Figure } from "./stats.ts";

const LINES = 300;
const NAMESPACE = "default";
const POD = "log-latency";
// Each line carries its own write time (CLOCK_REALTIME, ns) from `date`; the container waits a
// second first so both followers are attached before the first measured line.
const SCRIPT = `sleep 1; i=0; while [ $i -lt ${LINES} ]; do echo "line $i $(date +%s%N)"; i=$((i+1)); sleep 0.01; done`;

/** Milliseconds (µs precision) since the epoch of the ns stamp at the end of a line, or undefined. */
function writtenMs(text: string): number | undefined {
  const match = /line \d+ (\d{18,})\s*$/.exec(text);
  return match?.[1] === undefined ? undefined : Number(BigInt(match[1]) / 1000n) / 1000;
}

function summary(label: string, delays: readonly number[]): Figure[] {
  return [
    { metric: `${label} p50`, value: round(percentile(delays, 50)), unit: "ms" },
    { metric: `${label} p99`, value: round(percentile(delays, 99)), unit: "ms" },
    { metric: `${label} max`, value: round(maxOf(delays)), unit: "ms" },
  ];
}

async function followThroughApi(bench: BenchSim, delays: number[]): Promise<AbortController> {
  let partial = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const receivedAt = wallMs();
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const written = writtenMs(line);
        if (written !== undefined) delays.push(receivedAt - written);
      }
      done();
    },
  });
  return new Log(bench.config).log(NAMESPACE, POD, "main", sink, { follow: true, timestamps: true });
}

function followInProcess(bench: BenchSim, delays: number[], stampDelays: number[]): () => void {
  const log = bench.sim.runtime?.logSource.containerLog(NAMESPACE, POD, "main");
  if (!log) throw new Error(`log-latency: container ${POD}/main has no log yet; wait for the pod to run first`);
  log.lines(); // the follow starts after these
  return log.follow((line: LogLine) => {
    const receivedAt = wallMs();
    const written = writtenMs(line.text);
    if (written === undefined) return;
    delays.push(receivedAt - written);
    stampDelays.push(Number(line.timeNs / 1000n) / 1000 - written);
  }, () => undefined);
}

async function waitForRunning(bench: BenchSim): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const pod = await bench.core.readNamespacedPod({ namespace: NAMESPACE, name: POD });
    if (pod.status?.phase === "Running") return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

export async function logLatencyBench(): Promise<BenchResult> {
  const bench = await startBenchSim();
  const notes: string[] = [];
  const api: number[] = [];
  const inProcess: number[] = [];
  const capture: number[] = [];
  try {
    await bench.core.createNamespacedPod({ namespace: NAMESPACE, body: { metadata: { name: POD }, spec: shellPodSpec(SCRIPT) } });
    if (!(await waitForRunning(bench))) throw new Error("log-latency: the pod did not reach Running within 15 s");
    const unfollow = followInProcess(bench, inProcess, capture);
    const controller = await followThroughApi(bench, api);
    const complete = await waitUntil(() => api.length >= LINES && inProcess.length >= LINES, 30_000, 50);
    if (!complete) notes.push(`log-latency: saw ${api.length} API / ${inProcess.length} in-process lines of ${LINES} within 30 s`);
    unfollow();
    controller.abort();
  } finally {
    await bench.stop();
  }
  const ratio = percentile(api, 50) / percentile(inProcess, 50);
  return {
    name: "1. log latency (write → follower)",
    notes,
    figures: [
      { metric: "lines measured (API / in-process)", value: `${api.length} / ${inProcess.length}`, unit: "" },
      ...summary("API follow", api),
      ...summary("LogSource follow", inProcess),
      ...summary("kubelet stamp − write (±1 ms anchor)", capture),
      { metric: "ratio API p50 / LogSource p50", value: round(ratio), unit: "×" },
    ],
  };
}
