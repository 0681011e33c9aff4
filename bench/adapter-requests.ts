// API requests per run, by verb, for a short and a long run (quiet containers that sleep, the
// keepalive at its default): a run's requests should not grow with its length. The two runs go
// at the same time, each through its own user, so kube-sim's request record tells their
// requests apart (the user is part of the shared informers' key: each run has its own).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sharedInformers } from "../packages/claude-k8s/src/kube/informer-registry.ts";
import { startRun } from "./adapter-run.ts";
import { makeFakeClaudeBinDir } from "./fake-claude.ts";
import { SimProcess } from "./sim-process.ts";
import type { SimRequest } from "./sim-process.ts";
import { waitUntil } from "./stats.ts";
import type { BenchOptions, BenchResult, Figure, TargetCheck } from "./stats.ts";

function byVerb(requests: readonly SimRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.verb} ${r.resource ?? "-"}${r.subresource ? `/${r.subresource}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

type Measured = { seconds: number; total: number; verbs: Map<string, number>; errorCode: string | null };

export async function adapterRequestsBench(options: BenchOptions): Promise<BenchResult> {
  const shortSec = options.quick ? 2 : 10;
  const longSec = options.quick ? 6 : options.longRunSec;
  const bin = makeFakeClaudeBinDir();
  const sim = await SimProcess.start(bin.binDir);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-requests-"));
  const notes: string[] = [];
  let measured: Measured[];
  try {
    measured = await Promise.all([shortSec, longSec].map(async (seconds) => {
      const user = `bench-${seconds}s`;
      const kubeconfigPath = path.join(dir, `${user}.kubeconfig`);
      writeFileSync(kubeconfigPath, await sim.call<string>({ op: "addUser", token: `token-${user}`, user }));
      const { result } = await startRun({ kubeconfigPath, namespace: "default", agentId: user, env: { BENCH_MODE: "quiet", BENCH_SLEEP_SEC: String(seconds) } }).done;
      return { seconds, user, errorCode: result.errorCode ?? null };
    })).then(async (runs) => {
      // A watch is recorded when it ends: wait for the informers to wind down and the server to see it.
      await sharedInformers.idle();
      let open = -1;
      if (!(await waitUntil(() => open === 0, 10_000, 100, async () => { open = (await sim.counts()).openWatches; }))) notes.push(`${open} watches still open at kube-sim 10 s after both runs`);
      return Promise.all(runs.map(async (run) => {
        const requests = await sim.requests({ user: run.user });
        return { seconds: run.seconds, total: requests.length, verbs: byVerb(requests), errorCode: run.errorCode };
      }));
    });
  } finally {
    await sim.stop();
    bin.remove();
    rmSync(dir, { recursive: true, force: true });
  }
  const [short, long] = measured as [Measured, Measured];
  for (const m of measured) if (m.errorCode !== null) notes.push(`the ${m.seconds} s run ended with ${m.errorCode}`);
  const keys = [...new Set([...short.verbs.keys(), ...long.verbs.keys()])].sort();
  const grown = keys.filter((key) => (long.verbs.get(key) ?? 0) > (short.verbs.get(key) ?? 0));
  const figures: Figure[] = keys.map((key) => ({ metric: `${key} (${short.seconds} s / ${long.seconds} s run)`, value: `${short.verbs.get(key) ?? 0} / ${long.verbs.get(key) ?? 0}`, unit: "" }));
  figures.push({ metric: `all requests (${short.seconds} s / ${long.seconds} s run)`, value: `${short.total} / ${long.total}`, unit: "" });
  figures.push({ metric: "ratio long / short", value: Math.round((long.total / short.total) * 100) / 100, unit: "×" });
  if (!options.quick && longSec < 600) notes.push(`the long run is ${longSec} s, not the issue's 10 min (npm run bench -- --long-run-sec 600 runs that)`);
  const met = long.total <= short.total;
  const target: TargetCheck = {
    target: "requests per run constant in run length",
    measured: `${short.total} requests in a ${short.seconds} s run, ${long.total} in a ${long.seconds} s run`,
    met,
    ...(met ? {} : { gap: `grows: ${grown.map((key) => `${key} ${short.verbs.get(key) ?? 0} → ${long.verbs.get(key) ?? 0}`).join(", ")}` }),
  };
  return {
    name: `7. API requests per run (quiet runs of ${short.seconds} s and ${long.seconds} s, keepalive at its default)`,
    notes, figures, targets: [target],
    series: [{ kind: "scaling", name: "API requests per run", xLabel: "run length (s)", unit: "requests", points: measured.map((m) => ({ x: m.seconds, y: m.total })) }],
  };
}
