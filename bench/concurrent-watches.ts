// Benchmark 3: 1000 client-node watches on pods, each with a label selector for one of 10
// groups, opened at once against an API-only sim; then 100 pods (10 per group) are created and
// every watch must see its group's 10 ADDED events. Delay = event received − create request sent.
import { Watch } from "@kubernetes/client-node";
import { startBenchSim } from "./sim-client.ts";
import type { BenchSim } from "./sim-client.ts";
import { heapMb, inPool, maxOf, percentile, round, rssMb, waitUntil } from "./stats.ts";
import type { BenchResult } from "./stats.ts";

const WATCHES = 1000;
const GROUPS = 10;
const PODS = 100;
const NAMESPACE = "default";

interface WatchSet {
  controllers: AbortController[];
  delays: number[];
  /** Events seen per watch, to tell when every watch has all of its group's pods. */
  seen: number[];
  closed: () => number;
}

async function openWatches(bench: BenchSim, sentAt: Map<string, number>): Promise<WatchSet> {
  const delays: number[] = [];
  const seen = new Array<number>(WATCHES).fill(0);
  let closed = 0;
  const watch = new Watch(bench.config);
  const controllers = await Promise.all(Array.from({ length: WATCHES }, (_, index) =>
    watch.watch(`/api/v1/namespaces/${NAMESPACE}/pods`, { labelSelector: `group=g${index % GROUPS}` },
      (phase, pod: { metadata?: { name?: string } }) => {
        const sent = sentAt.get(pod.metadata?.name ?? "");
        if (phase !== "ADDED" || sent === undefined) return;
        delays.push(performance.now() - sent);
        seen[index] = (seen[index] ?? 0) + 1;
      }, () => { closed++; })));
  return { controllers, delays, seen, closed: () => closed };
}

function podBody(index: number) {
  return {
    metadata: { name: `watched-${index}`, labels: { group: `g${index % GROUPS}` } },
    spec: { containers: [{ name: "main", image: "busybox", command: ["true"] }] },
  };
}

export async function concurrentWatchesBench(): Promise<BenchResult> {
  const bench = await startBenchSim({ runtime: false });
  const notes: string[] = [];
  const rssBefore = rssMb();
  const heapBefore = heapMb();
  const sentAt = new Map<string, number>();
  let watches: WatchSet | undefined;
  try {
    const openStarted = performance.now();
    watches = await openWatches(bench, sentAt);
    const openMs = performance.now() - openStarted;
    const rssOpen = rssMb();
    const heapOpen = heapMb();
    const set = watches;
    const perWatch = PODS / GROUPS;
    const createStarted = performance.now();
    await inPool(Array.from({ length: PODS }, (_, index) => index), 10, async (index) => {
      const body = podBody(index);
      sentAt.set(body.metadata.name, performance.now());
      await bench.core.createNamespacedPod({ namespace: NAMESPACE, body });
    });
    const createdMs = performance.now() - createStarted;
    const complete = await waitUntil(() => set.seen.every((count) => count >= perWatch), 60_000, 10);
    const deliveredMs = performance.now() - createStarted;
    if (!complete) notes.push(`${set.seen.filter((count) => count < perWatch).length} watches missed events after 60 s`);
    const rssDelivered = rssMb();
    for (const controller of set.controllers) controller.abort();
    const allClosed = await waitUntil(() => set.closed() >= WATCHES, 10_000, 20);
    if (!allClosed) notes.push(`only ${set.closed()} of ${WATCHES} watches reported closed within 10 s`);
    return {
      name: `3. ${WATCHES} concurrent watches (${GROUPS} label groups, ${PODS} pods created, 10 creates in flight)`,
      notes,
      figures: [
        { metric: `open ${WATCHES} watches (all answered)`, value: Math.round(openMs), unit: "ms" },
        { metric: `create ${PODS} pods (API answers)`, value: Math.round(createdMs), unit: "ms" },
        { metric: `all ${set.delays.length} events delivered (from first create)`, value: Math.round(deliveredMs), unit: "ms" },
        { metric: "delivery delay p50", value: round(percentile(set.delays, 50)), unit: "ms" },
        { metric: "delivery delay p99", value: round(percentile(set.delays, 99)), unit: "ms" },
        { metric: "delivery delay max", value: round(maxOf(set.delays)), unit: "ms" },
        { metric: "RSS before / watches open / delivered", value: `${Math.round(rssBefore)} / ${Math.round(rssOpen)} / ${Math.round(rssDelivered)}`, unit: "MB" },
        { metric: "JS heap before / watches open", value: `${Math.round(heapBefore)} / ${Math.round(heapOpen)}`, unit: "MB" },
      ],
    };
  } finally {
    for (const controller of watches?.controllers ?? []) controller.abort();
    await bench.stop();
  }
}
