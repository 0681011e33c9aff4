// Benchmark 2: 500 Jobs running `sleep 30` created through client-node (20 requests in flight);
// a client-node Watch on their pods times how long until all are Running and, after one
// deletecollection with Background propagation, until every pod is gone.
import { Watch } from "@kubernetes/client-node";
import { startBenchSim, shellPodSpec } from "./sim-client.ts";
import type { BenchSim } from "./sim-client.ts";
import { descendantPids, heapMb, inPool, percentile, round, rssMb, waitUntil } from "./stats.ts";
import type { BenchResult } from "./stats.ts";

const JOBS = 500;
const IN_FLIGHT = 20;
const NAMESPACE = "default";
const LABEL = "bench=pods";

interface PodTracker {
  running: Set<string>;
  /** Job name → ms from its create request to its pod's first Running event. */
  startDelays: Map<string, number>;
  present: Set<string>;
  controller: AbortController;
}

async function trackPods(bench: BenchSim, createdAt: Map<string, number>): Promise<PodTracker> {
  const tracker = { running: new Set<string>(), startDelays: new Map<string, number>(), present: new Set<string>() };
  const controller = await new Watch(bench.config).watch(`/api/v1/namespaces/${NAMESPACE}/pods`, { labelSelector: LABEL },
    (phase, pod: { metadata?: { name?: string; labels?: Record<string, string> }; status?: { phase?: string } }) => {
      const name = pod.metadata?.name ?? "";
      if (phase === "DELETED") {
        tracker.present.delete(name);
        tracker.running.delete(name);
        return;
      }
      tracker.present.add(name);
      if (pod.status?.phase !== "Running" || tracker.running.has(name)) return;
      tracker.running.add(name);
      const job = pod.metadata?.labels?.["job-name"] ?? "";
      const sentAt = createdAt.get(job);
      if (sentAt !== undefined) tracker.startDelays.set(job, performance.now() - sentAt);
    }, () => undefined);
  return { ...tracker, controller };
}

function jobBody(index: number) {
  return {
    metadata: { name: `bench-pod-${String(index).padStart(3, "0")}`, labels: { bench: "pods" } },
    spec: { backoffLimit: 0, template: { metadata: { labels: { bench: "pods" } }, spec: shellPodSpec("exec sleep 30") } },
  };
}

export async function concurrentPodsBench(): Promise<BenchResult> {
  const bench = await startBenchSim();
  const notes: string[] = [];
  const rssBefore = rssMb();
  const heapBefore = heapMb();
  let tracker: PodTracker | undefined;
  try {
    const createdAt = new Map<string, number>();
    tracker = await trackPods(bench, createdAt);
    const pods = tracker;
    const started = performance.now();
    await inPool(Array.from({ length: JOBS }, (_, index) => index), IN_FLIGHT, async (index) => {
      const body = jobBody(index);
      createdAt.set(body.metadata.name, performance.now());
      await bench.batch.createNamespacedJob({ namespace: NAMESPACE, body });
    });
    const createdMs = performance.now() - started;
    const allRunning = await waitUntil(() => pods.running.size >= JOBS, 120_000, 25);
    const runningMs = performance.now() - started;
    if (!allRunning) notes.push(`only ${pods.running.size} of ${JOBS} pods Running after 120 s`);
    const runningCount = pods.running.size;
    const startDelays = [...pods.startDelays.values()];
    const rssRunning = rssMb();
    const heapRunning = heapMb();
    const liveProcesses = descendantPids().length;
    const deleteStarted = performance.now();
    await bench.batch.deleteCollectionNamespacedJob({ namespace: NAMESPACE, labelSelector: LABEL, propagationPolicy: "Background" });
    const allGone = await waitUntil(() => pods.present.size === 0, 60_000, 25);
    const goneMs = performance.now() - deleteStarted;
    if (!allGone) notes.push(`${pods.present.size} pods still present 60 s after the delete`);
    const processesGone = await waitUntil(() => descendantPids().length === 0, 10_000, 100);
    const leftAfterDelete = descendantPids().length;
    if (!processesGone) notes.push(`${leftAfterDelete} container processes alive 10 s after every pod was gone`);
    return {
      name: `2. ${JOBS} concurrent Jobs (sleep 30, ${IN_FLIGHT} creates in flight)`,
      notes,
      figures: [
        { metric: "all Jobs created (API answers)", value: Math.round(createdMs), unit: "ms" },
        { metric: "all pods Running (from first create)", value: Math.round(runningMs), unit: "ms" },
        { metric: "pods Running per second", value: round(runningCount / (runningMs / 1000), 1), unit: "/s" },
        { metric: "create request → pod Running p50", value: round(percentile(startDelays, 50)), unit: "ms" },
        { metric: "create request → pod Running p99", value: round(percentile(startDelays, 99)), unit: "ms" },
        { metric: "live child processes at peak", value: liveProcesses, unit: "" },
        { metric: "RSS before / with all Running", value: `${Math.round(rssBefore)} / ${Math.round(rssRunning)}`, unit: "MB" },
        { metric: "JS heap before / with all Running", value: `${Math.round(heapBefore)} / ${Math.round(heapRunning)}`, unit: "MB" },
        { metric: "all pods gone (after deletecollection)", value: Math.round(goneMs), unit: "ms" },
        { metric: "child processes left after delete", value: leftAfterDelete, unit: "" },
      ],
    };
  } finally {
    tracker?.controller.abort();
    await bench.stop();
  }
}
