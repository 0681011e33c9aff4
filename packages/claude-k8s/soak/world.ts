// The soak's cluster: kube-sim over HTTPS whose agent image is the soak's sh "claude", the
// invariant monitor, a record of every Job created per agent, ground-truth lookups, and the
// weather (cluster-wide faults on the seeded timeline).
import { JOBS, LEASES, PODS, SECRETS, startKubeSim } from "kube-sim";
import type { KubeSim } from "kube-sim";
import { makeAgentBin } from "./agent.ts";
import type { WeatherEvent } from "./schedule.ts";

export const NAMESPACE = "default";
export const IMAGE = "paperclip/claude-soak:1";
export const CONTAINER = "claude";

export type World = {
  sim: KubeSim;
  invariant: string;
  /** Every Job ever created, by agent id. */
  jobsByAgent: Map<string, string[]>;
  stop(): Promise<void>;
};

export async function startWorld(): Promise<World> {
  const bin = await makeAgentBin();
  const sim = await startKubeSim({ runtime: { images: { "paperclip/claude-soak": { binDir: bin.binDir } } } });
  const invariant = sim.runtime?.invariants.noTwoActiveJobsPerLabel("paperclip.io/agent-id") ?? "";
  const jobsByAgent = new Map<string, string[]>();
  const unwatch = sim.store.watch(JOBS, NAMESPACE, undefined, (event) => {
    if (event.type !== "ADDED") return;
    const agent = event.object.metadata?.labels?.["paperclip.io/agent-id"] ?? "";
    jobsByAgent.set(agent, [...(jobsByAgent.get(agent) ?? []), event.object.metadata?.name ?? ""]);
  });
  return { sim, invariant, jobsByAgent, async stop() { unwatch(); await sim.stop(); await bin.remove(); } };
}

export function podOf(world: World, job: string): string | null {
  const pod = world.sim.store.list(PODS, NAMESPACE).items.find((p) => p.metadata?.name?.startsWith(`${job}-`));
  return pod?.metadata?.name ?? null;
}

/** stdout lines the claude container of this pod has written so far (ground truth). */
export function linesWritten(world: World, pod: string): number {
  return world.sim.runtime?.kubelet.logs.containerLog(NAMESPACE, pod, CONTAINER)?.allLines().filter((l) => l.stream === "stdout").length ?? 0;
}

export type Exit = { pod: string; exitCode: number; reason: string };

export function exitsOf(world: World, job: string): Exit[] {
  return (world.sim.runtime?.groundTruth.containerExits({ namespace: NAMESPACE }) ?? [])
    .filter((e) => e.pod.startsWith(`${job}-`) && e.container === CONTAINER)
    .map((e) => ({ pod: e.pod, exitCode: e.exitCode, reason: e.reason }));
}

/** Ground truth for a Job: every stdout line its claude containers wrote, and how many were rotated away. */
export function truthOf(world: World, job: string): { lines: string[]; rotatedAway: number } {
  const all = (world.sim.runtime?.groundTruth.allContainerLines() ?? []).filter((c) => c.pod.startsWith(`${job}-`) && c.container === CONTAINER);
  // Both streams: the pod log API serves stdout and stderr as one log (a shell's "Killed" too).
  return { lines: all.flatMap((c) => c.lines.map((l) => l.text)), rotatedAway: all.reduce((s, c) => s + c.rotatedAway, 0) };
}

/** The Job now: absent, terminating, or present. */
export function jobState(world: World, job: string): "absent" | "terminating" | "present" {
  const found = world.sim.store.list(JOBS, NAMESPACE).items.find((j) => j.metadata?.name === job);
  if (!found) return "absent";
  return found.metadata?.deletionTimestamp ? "terminating" : "present";
}

/** Our objects left in the namespace (Jobs, pods, Secrets, Leases). */
export function leftovers(world: World): string[] {
  return [JOBS, PODS, SECRETS, LEASES].flatMap((kind) => world.sim.store.list(kind, NAMESPACE).items
    .filter((o) => o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "paperclip")
    .map((o) => `${kind.resource}/${o.metadata?.name}${o.metadata?.deletionTimestamp ? ` (terminating since ${o.metadata.deletionTimestamp}, finalizers: ${(o.metadata.finalizers ?? []).join(", ") || "none"})` : ""}`));
}

export function applyWeather(world: World, event: WeatherEvent): void {
  const { faults, runtime } = world.sim;
  switch (event.kind) {
    case "cutStreams": faults.cutLogStreams(); break;
    case "hangStreams": faults.hangLogStreams(event.ms); break;
    case "burst503": faults.failRequests({ code: 503, count: event.count }); break;
    case "watch410": faults.endWatches({ expired: true }); break;
    case "partition": faults.partition(event.ms); break;
    case "conditionLag": runtime?.faults.setConditionLag(event.ms); break;
    case "terminatedStateDelay": runtime?.faults.setTerminatedStateDelay(event.ms); break;
  }
}

/** Plays the weather timeline from now until stopped; every timer is cleared by stop(). */
export function startWeather(world: World, events: readonly WeatherEvent[]): { stop(): void } {
  const started = Date.now();
  let timer: NodeJS.Timeout | null = null;
  let next = 0;
  const tick = () => {
    while (next < events.length && events[next]!.atMs <= Date.now() - started) applyWeather(world, events[next++]!);
    if (next < events.length) timer = setTimeout(tick, Math.max(0, events[next]!.atMs - (Date.now() - started)));
  };
  tick();
  return {
    stop() {
      if (timer) clearTimeout(timer);
      world.sim.faults.clear();
      world.sim.runtime?.faults.setConditionLag(0);
      world.sim.runtime?.faults.setTerminatedStateDelay(0);
    },
  };
}
