// One pod's life on the simulated node: image "pull", volumes, init containers in order, then
// the containers as local processes, status writes along the way, and termination on delete.
// Only restartPolicy Never/OnFailure/Always for the main containers is modelled (init
// containers that fail always fail the pod).

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { formatRfc3339, nowNs } from "./clock.ts";
import { CreateContainerError, EnvConfigError, podSpec, processSpec, type ContainerSpec } from "./container-spec.ts";
import type { EnvLookups } from "./env.ts";
import { resolveImage, type ImageRuntime } from "./images.ts";
import type { LogStore } from "./log-store.ts";
import type { EventInput } from "../events/recorder.ts";
import * as kubeletEvents from "./kubelet-events.ts";
import { buildPodStatus, finalPhase, type ContainerRecord, type PodRecord } from "./pod-status.ts";
import { startContainerProcess, type ContainerExit, type Isolation, type RunningProcess } from "./process.ts";
import { materialiseVolumes } from "./volumes.ts";
import type { HostDirs } from "./host-dirs.ts";
import { PODS, SECRETS, CONFIGMAPS } from "../store/resources.ts";
import { isNotFound } from "../store/errors.ts";
import type { KubeObject, Store } from "../store/types.ts";

export interface ContainerExitRecord {
  namespace: string; pod: string; container: string; exitCode: number; reason: string; finishedAtNs: bigint;
}

export interface WorkerContext {
  store: Store;
  logs: LogStore;
  isolation: Isolation;
  dataDir: string;
  images: Readonly<Record<string, ImageRuntime>>;
  hostPath: string;
  timing: { terminatedStateDelayMs: number; imagePullBackOffMs: number; configRetryMs: number; restartBackoffMs: number };
  /** Mount targets and working directories made on the host, shared by every pod of the node. */
  hostDirs: HostDirs;
  onContainerExit(record: ContainerExitRecord): void;
  /** Called when no process of the pod runs any more and none will: a deleted pod goes for good. */
  release(pod: KubeObject): void;
  /** Records an Event about the pod (the kubelet of its node as the source). */
  recordEvent(pod: KubeObject, event: EventInput): void;
}

let nextPodIp = 2;

export class PodWorker {
  readonly uid: string;
  #ctx: WorkerContext;
  #pod: KubeObject;
  #record: PodRecord;
  #processes = new Map<string, RunningProcess>();
  #oomKilled = new Set<string>();
  #terminating = false;
  #killTimer: NodeJS.Timeout | undefined;
  #killAt = Infinity;
  #wake: (() => void) | undefined;
  #done = false;
  finished: Promise<void> = Promise.resolve();

  constructor(ctx: WorkerContext, pod: KubeObject) {
    this.#ctx = ctx;
    this.#pod = pod;
    this.uid = pod.metadata.uid ?? "";
    const spec = podSpec(pod);
    const ip = nextPodIp++;
    const record = (c: ContainerSpec): ContainerRecord => ({ name: c.name, image: c.image ?? "", restartCount: 0,
      lastState: {}, state: { waiting: { reason: c === (spec.initContainers ?? [])[0] || !spec.initContainers?.length ? "ContainerCreating" : "PodInitializing" } } });
    this.#record = { phase: "Pending", init: (spec.initContainers ?? []).map(record), main: (spec.containers ?? []).map(record),
      hostIP: "10.0.0.1", podIP: `10.244.${(ip >> 8) & 255}.${ip & 255}`, startTime: formatRfc3339(Date.now()) };
  }

  get done(): boolean {
    return this.#done;
  }

  get podDir(): string {
    return path.join(this.#ctx.dataDir, "pods", this.uid);
  }

  start(): void {
    this.finished = this.#run().catch((error: unknown) => {
      console.error(`kube-sim kubelet: pod ${this.#pod.metadata.namespace}/${this.#pod.metadata.name} failed:`, error);
    }).finally(() => {
      this.#done = true;
      // Nothing runs any more: a terminal pod needs no kubelet finalizer; a pending one keeps it
      // only while deleting (an unpulled image, a config error) until the deletion arrives.
      if (this.#terminating || this.#record.phase === "Succeeded" || this.#record.phase === "Failed") this.#ctx.release(this.#pod);
    });
  }

  /** Graceful stop: SIGTERM now, SIGKILL after the grace period. */
  terminate(graceSeconds: number): void {
    const killAt = Date.now() + graceSeconds * 1000;
    if (this.#terminating) {
      // A second delete may shorten the grace period, never lengthen it.
      if (this.#killTimer !== undefined && killAt < this.#killAt) this.#scheduleKill(killAt);
      return;
    }
    this.#terminating = true;
    this.#wake?.();
    for (const name of this.#processes.keys()) this.#emit(name, (ref) => [kubeletEvents.killingEvent(ref)]);
    for (const running of this.#processes.values()) running.signalMain("SIGTERM");
    this.#scheduleKill(killAt);
  }

  #scheduleKill(killAt: number): void {
    clearTimeout(this.#killTimer);
    this.#killAt = killAt;
    this.#killTimer = setTimeout(() => this.kill(), Math.max(0, killAt - Date.now()));
  }

  /** Immediate stop (force delete, simulator shutdown). */
  kill(): void {
    this.#terminating = true;
    this.#wake?.();
    for (const running of this.#processes.values()) running.signal("SIGKILL");
  }

  /** SIGKILL one container (or the first running) and report it as OOMKilled. Returns false if none runs. */
  oomKill(container?: string): boolean {
    const name = container ?? [...this.#processes.keys()][0];
    const running = name === undefined ? undefined : this.#processes.get(name);
    if (name === undefined || running === undefined) return false;
    this.#oomKilled.add(name);
    running.signal("SIGKILL");
    return true;
  }

  async #run(): Promise<void> {
    this.#write();
    const images = this.#pullImages();
    if (images === undefined) return;
    const prepared = await this.#prepare(images);
    if (prepared === undefined) return;
    for (const [index, record] of this.#record.init.entries()) {
      if (this.#terminating) break;
      const exit = await this.#runContainer(record, prepared.init[index]);
      if (exit.exitCode !== 0) break;
    }
    const initOk = this.#record.init.every((c) => c.state.terminated?.exitCode === 0);
    if (initOk && !this.#terminating) {
      this.#record.phase = "Running";
      await Promise.all(this.#record.main.map((record, index) => this.#runMain(record, prepared.main[index])));
    }
    await this.#finish();
  }

  async #finish(): Promise<void> {
    clearTimeout(this.#killTimer);
    this.#record.phase = finalPhase(this.#record);
    for (const record of [...this.#record.init, ...this.#record.main]) {
      if (record.state.waiting) record.state = { terminated: { exitCode: 0, reason: "ContainerStatusUnknown" } };
    }
    if (this.#ctx.timing.terminatedStateDelayMs > 0) {
      this.#record.hideTerminated = true;
      this.#write();
      await this.#sleep(this.#ctx.timing.terminatedStateDelayMs, false);
      this.#record.hideTerminated = false;
    }
    this.#write();
  }

  #pullImages(): ImageRuntime[] | undefined {
    const all = [...podSpec(this.#pod).initContainers ?? [], ...podSpec(this.#pod).containers ?? []];
    const resolved = all.map((c) => resolveImage(c.image ?? "", this.#ctx.images));
    const missing = all.filter((_, i) => resolved[i] === undefined).map((c) => c.name);
    if (missing.length === 0) return resolved as ImageRuntime[];
    void this.#imagePullFailure(missing);
    return undefined;
  }

  async #imagePullFailure(names: string[]): Promise<void> {
    const records = [...this.#record.init, ...this.#record.main].filter((r) => names.includes(r.name));
    for (const r of records) {
      r.state = { waiting: { reason: "ErrImagePull", message: `failed to pull and unpack image "${r.image}": `
        + `kube-sim has no runtime for this image; map it in the kubelet's images option` } };
    }
    this.#write();
    for (const r of records) this.#emit(r.name, (ref) => kubeletEvents.pullFailedEvents(ref, "kube-sim has no runtime for this image"));
    await this.#sleep(this.#ctx.timing.imagePullBackOffMs, true);
    if (this.#terminating) return;
    for (const r of records) r.state = { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${r.image}"` } };
    this.#write();
    for (const r of records) this.#emit(r.name, (ref) => kubeletEvents.pullBackOffEvents(ref));
  }

  /** Volumes and every container's process spec; retries config errors until deleted. */
  async #prepare(images: ImageRuntime[]) {
    const spec = podSpec(this.#pod);
    const initCount = (spec.initContainers ?? []).length;
    for (;;) {
      try {
        const lookups = this.#lookups();
        const volumes = materialiseVolumes(this.#pod, this.podDir, this.#ctx.dataDir, lookups);
        const context = (index: number) => ({ pod: this.#current(), image: images[index] ?? "host", volumes, lookups,
          isolation: this.#ctx.isolation, scratchDir: path.join(this.podDir, "scratch"), hostPath: this.#ctx.hostPath });
        return {
          init: (spec.initContainers ?? []).map((c, i) => processSpec(c, context(i))),
          main: (spec.containers ?? []).map((c, i) => processSpec(c, context(initCount + i))),
        };
      } catch (error) {
        if (!(error instanceof EnvConfigError) && !(error instanceof CreateContainerError)) throw error;
        const reason = error instanceof CreateContainerError ? "CreateContainerError" : "CreateContainerConfigError";
        for (const r of [...this.#record.init, ...this.#record.main]) r.state = { waiting: { reason, message: error.message } };
        this.#write();
        await this.#sleep(this.#ctx.timing.configRetryMs, true);
        if (this.#terminating) return undefined;
      }
    }
  }

  async #runMain(record: ContainerRecord, spec: Parameters<typeof startContainerProcess>[0] | undefined): Promise<void> {
    const policy = podSpec(this.#pod).restartPolicy ?? "Always";
    for (;;) {
      const exit = await this.#runContainer(record, spec);
      const restart = policy === "Always" || (policy === "OnFailure" && exit.exitCode !== 0);
      if (!restart || this.#terminating) return;
      record.lastState = record.state;
      record.restartCount++;
      record.state = { waiting: { reason: "CrashLoopBackOff", message: `back-off restarting failed container ${record.name}` } };
      this.#write();
      this.#emit(record.name, (ref) => [kubeletEvents.restartBackOffEvent(ref)]);
      await this.#sleep(this.#ctx.timing.restartBackoffMs, true);
      if (this.#terminating) return;
    }
  }

  #runContainer(record: ContainerRecord, spec: Parameters<typeof startContainerProcess>[0] | undefined): Promise<ContainerExit> {
    if (spec === undefined) return Promise.resolve({ exitCode: 128 });
    const namespace = this.#pod.metadata.namespace ?? "";
    const podName = this.#pod.metadata.name ?? "";
    const pullStartedMs = performance.now(); // images are local: the "pull" is the lookup, next to nothing
    const output = this.#ctx.logs.start(namespace, podName, record.name);
    const startedAt = formatRfc3339(Date.now());
    record.containerID = `containerd://${randomBytes(32).toString("hex")}`;
    this.#emit(record.name, (ref) => [...kubeletEvents.imageEvents(ref, performance.now() - pullStartedMs),
      kubeletEvents.createdEvent(ref)]);
    return new Promise((resolve) => {
      const running = startContainerProcess(spec, output, (exit) => {
        this.#processes.delete(record.name);
        const oom = this.#oomKilled.delete(record.name);
        const exitCode = oom ? 137 : exit.exitCode;
        const reason = oom ? "OOMKilled" : exit.startError ? "StartError" : exitCode === 0 ? "Completed" : "Error";
        record.state = { terminated: { exitCode, reason, startedAt, finishedAt: formatRfc3339(Date.now()),
          containerID: record.containerID ?? "", ...(exit.startError ? { message: exit.startError } : {}) } };
        this.#ctx.onContainerExit({ namespace, pod: podName, container: record.name, exitCode, reason, finishedAtNs: nowNs() });
        // Another container still runs: show this one's end now. The last one's end is written
        // by #finish together with the terminal phase.
        if (this.#processes.size > 0) this.#write();
        resolve({ ...exit, exitCode });
      }, this.#ctx.hostDirs);
      this.#processes.set(record.name, running);
      if (this.#terminating) running.signalMain("SIGTERM");
      record.state = { running: { startedAt } };
      this.#write();
      this.#emit(record.name, (ref) => [kubeletEvents.startedEvent(ref)]);
    });
  }

  /** Records the events `make` gives for one container, about the pod as it is now. */
  #emit(container: string, make: (ref: { pod: KubeObject; container: string; image: string }) => EventInput[]): void {
    const pod = this.#current();
    const image = [...this.#record.init, ...this.#record.main].find((r) => r.name === container)?.image ?? "";
    for (const event of make({ pod, container, image })) this.#ctx.recordEvent(pod, event);
  }

  #current(): KubeObject {
    return this.#ctx.store.tryGet(PODS, this.#pod.metadata.namespace, this.#pod.metadata.name ?? "") ?? this.#pod;
  }

  #lookups(): EnvLookups {
    const namespace = this.#pod.metadata.namespace;
    return {
      secret: (name) => this.#ctx.store.tryGet(SECRETS, namespace, name),
      configMap: (name) => this.#ctx.store.tryGet(CONFIGMAPS, namespace, name),
    };
  }

  #write(): void {
    try {
      this.#ctx.store.mutate(PODS, this.#pod.metadata.namespace, this.#pod.metadata.name ?? "", (pod) => {
        if (pod.metadata.uid !== this.uid) return;
        pod.status = buildPodStatus(this.#record, (pod.status ?? {}) as object, formatRfc3339(Date.now()));
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** Waits `ms`; when `interruptible`, a termination request ends the wait early. */
  #sleep(ms: number, interruptible: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void { clearTimeout(timer); resolve(); }
      if (interruptible) this.#wake = done;
    });
  }

  /** Removes the pod's scratch and volume directories (not PVC directories). */
  cleanUp(): void {
    rmSync(this.podDir, { recursive: true, force: true });
  }
}
