// Shared by the run-logs tests: a kube-sim with real processes (or a scripted log source), pods
// running a shell script, the follower driven to completion with everything it reported, and a
// scripted container log whose timestamps the test chooses.
import { after, before } from "node:test";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startKubeSim } from "kube-sim";
import type { ContainerLog, KubeSim, KubeSimOptions, LogLine, LogSource } from "kube-sim";
import { followContainerLog } from "../src/run/log-follower.ts";
import type { FollowOptions, FollowResult, LogDiagnostic } from "../src/run/log-follower.ts";

export type World = { sim: KubeSim; kubeConfig: KubeConfig; core: CoreV1Api };

export async function startWorld(options: KubeSimOptions = {}): Promise<World> {
  const sim = await startKubeSim(options);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sim.kubeconfig);
  return { sim, kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api) };
}

/** A pod whose one container `main` runs `script` with the host's sh (image busybox). */
/**
 * For a test file: an API-only kube-sim serving the logs of `pods` (scripted by each test),
 * started before the file's tests and stopped after them. `world` is filled in by then.
 */
export function useScriptedWorld(): { pods: ScriptedPods; world: World } {
  const pods = new ScriptedPods();
  const world = {} as World;
  before(async () => {
    Object.assign(world, await startWorld({ runtime: false, logSource: pods.source }));
  });
  after(async () => {
    world.sim.faults.clear();
    await world.sim.stop();
  });
  return { pods, world };
}

export async function runPod(world: World, name: string, script: string): Promise<void> {
  await world.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] } } });
}

/** The caller's source of truth, as the lifecycle will have it: state.terminated from the pod. */
export function terminatedFromPod(world: World, pod: string): () => Promise<boolean> {
  return async () => {
    const found = await world.core.readNamespacedPod({ namespace: "default", name: pod });
    return found.status?.containerStatuses?.find((c) => c.name === "main")?.state?.terminated !== undefined;
  };
}

/** Every line the container really wrote, in order. */
export function truth(world: World, pod: string): string[] {
  return (world.sim.runtime?.groundTruth.containerLines("default", pod, "main") ?? []).map((line) => line.text);
}

export type Followed = { lines: string[]; diagnostics: LogDiagnostic[]; result: FollowResult; ms: number };

/** Runs the follower to its end (bounded by `limitMs`: then it is aborted and the test fails). */
export async function follow(world: World, pod: string, extra: Partial<FollowOptions> = {}, limitMs = 20_000): Promise<Followed> {
  const lines: string[] = [];
  const diagnostics: LogDiagnostic[] = [];
  const controller = new AbortController();
  const guard = setTimeout(() => controller.abort(), limitMs);
  const started = Date.now();
  const consumer = extra.onLine;
  try {
    const result = await followContainerLog({
      kubeConfig: world.kubeConfig, namespace: "default", pod, container: "main", signal: controller.signal,
      onDiagnostic: (d) => diagnostics.push(d),
      containerTerminated: terminatedFromPod(world, pod), idleTimeoutMs: 2_000, drainTimeoutMs: 5_000,
      backoff: { initialMs: 20, maxMs: 300 }, ...extra,
      // What was delivered is recorded before the test's own consumer runs (which may throw).
      onLine: async (text) => {
        lines.push(text);
        await consumer?.(text);
      },
    });
    if (controller.signal.aborted && extra.signal === undefined) throw new Error(`follower did not finish within ${limitMs} ms`);
    return { lines, diagnostics, result, ms: Date.now() - started };
  } finally {
    clearTimeout(guard);
  }
}

/** Polls until `check` holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function kinds(diagnostics: readonly LogDiagnostic[], kind: LogDiagnostic["kind"]): LogDiagnostic[] {
  return diagnostics.filter((d) => d.kind === kind);
}

/** A container log written by the test, with the timestamps it chooses (several may be equal). */
export class ScriptedLog implements ContainerLog {
  readonly written: LogLine[] = [];
  readonly #followers = new Set<{ onLine: (line: LogLine) => void; onEnd: () => void }>();
  #firstServed = 0;
  ended = false;

  lines(): readonly LogLine[] {
    return this.written.slice(this.#firstServed);
  }

  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void {
    const follower = { onLine, onEnd };
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }

  /** Appends a line stamped `timeNs`, written in `zone` (`Z` or an offset like `+08:00`, as a node not on UTC writes it). */
  write(text: string, timeNs: bigint, zone = "Z"): void {
    const line: LogLine = { timeNs, timestamp: rfc3339Nano(timeNs, zone), stream: "stdout", text };
    this.written.push(line);
    for (const follower of this.#followers) follower.onLine(line);
  }

  /** Drops the oldest `count` lines from what the API serves (log rotation). */
  rotate(count: number): void {
    this.#firstServed = Math.min(this.written.length, this.#firstServed + count);
  }

  end(): void {
    this.ended = true;
    for (const follower of [...this.#followers]) follower.onEnd();
  }
}

export function rfc3339Nano(ns: bigint, zone = "Z"): string {
  const sign = zone.startsWith("-") ? -1 : 1;
  const offsetSeconds = zone === "Z" ? 0 : sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  const wall = new Date((Number(ns / 1_000_000_000n) + offsetSeconds) * 1000).toISOString().slice(0, 19);
  return `${wall}.${(ns % 1_000_000_000n).toString().padStart(9, "0")}${zone}`;
}

/** Pods served from scripted logs: the kube-sim `logSource` and a pod per log. */
export class ScriptedPods {
  readonly #logs = new Map<string, ScriptedLog>();
  readonly source: LogSource = { containerLog: (ns, pod, container) => this.#logs.get(`${ns}/${pod}/${container}`) };

  /** A scheduled pod `name` whose container `main` logs what the test writes. */
  async create(world: World, name: string): Promise<ScriptedLog> {
    const log = new ScriptedLog();
    this.#logs.set(`default/${name}/main`, log);
    await world.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
      spec: { nodeName: "sim-node-1", containers: [{ name: "main", image: "busybox" }] } } });
    return log;
  }
}

/** The paths of the log requests for `pod`, in order. */
export function logPaths(world: World, pod: string): string[] {
  return world.sim.requests.find({ resource: "pods", subresource: "log" }).map((r) => r.path).filter((p) => p.includes(`/pods/${pod}/log`));
}
