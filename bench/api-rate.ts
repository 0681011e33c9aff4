// Benchmark 5: GETs of one Job through client-node against an API-only sim, one at a time and
// then 10 in flight, each for ~3 s: requests per second and per-request latency.
import { startBenchSim } from "./sim-client.ts";
import type { BenchSim } from "./sim-client.ts";
import { percentile, round } from "./stats.ts";
import type { BenchResult, Figure } from "./stats.ts";

const DURATION_MS = 3000;
const NAMESPACE = "default";
const JOB = "api-rate";

/** Runs `lanes` loops of GETs until DURATION_MS passes; returns every request's latency. */
async function getLoop(bench: BenchSim, lanes: number): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + DURATION_MS;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      await bench.batch.readNamespacedJob({ namespace: NAMESPACE, name: JOB });
      latencies.push(performance.now() - sent);
    }
  }));
  return { latencies, elapsedMs: performance.now() - started };
}

function figures(label: string, run: { latencies: number[]; elapsedMs: number }): Figure[] {
  return [
    { metric: `${label}: requests/s`, value: round(run.latencies.length / (run.elapsedMs / 1000), 0), unit: "/s" },
    { metric: `${label}: latency p50`, value: round(percentile(run.latencies, 50)), unit: "ms" },
    { metric: `${label}: latency p99`, value: round(percentile(run.latencies, 99)), unit: "ms" },
  ];
}

export async function apiRateBench(): Promise<BenchResult> {
  const bench = await startBenchSim({ runtime: false });
  try {
    await bench.batch.createNamespacedJob({ namespace: NAMESPACE, body: {
      metadata: { name: JOB },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["true"] }] } } },
    } });
    await getLoop(bench, 1); // warm-up: JIT, keep-alive sockets
    const sequential = await getLoop(bench, 1);
    const parallel = await getLoop(bench, 10);
    const recorded = bench.sim.requests.count({ verb: "get", resource: "jobs" });
    return {
      name: "5. API request rate (GET one Job via client-node, API-only sim)",
      notes: [],
      figures: [
        ...figures("sequential", sequential),
        ...figures("10 in flight", parallel),
        { metric: "ratio 10-in-flight / sequential req/s", value: round((parallel.latencies.length / parallel.elapsedMs) / (sequential.latencies.length / sequential.elapsedMs)), unit: "×" },
        { metric: "GETs the sim recorded (incl. warm-up)", value: recorded, unit: "" },
      ],
    };
  } finally {
    await bench.stop();
  }
}
