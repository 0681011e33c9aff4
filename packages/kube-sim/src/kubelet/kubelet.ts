// The simulated node agent: schedules pods onto the configured nodes, runs each scheduled pod
// with a PodWorker, and carries out pod deletion (SIGTERM, grace period, SIGKILL). The API server
// keeps a deleted pod (with deletionTimestamp) for its grace period; the kubelet deletes it for
// good, with grace 0, once its processes are gone, as a real kubelet does.

import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { isNotFound, isStatusError } from "../store/errors.ts";
import type { EventRecorder, RecordEvent } from "../events/recorder.ts";
import { PODS } from "../store/resources.ts";
import type { KubeObject, Store } from "../store/types.ts";
import { isPodTerminal } from "../controllers/kube-types.ts";
import { WorkQueue } from "../controllers/work-queue.ts";
import { formatRfc3339 } from "./clock.ts";
import { podSpec } from "./container-spec.ts";
import { HostDirs } from "./host-dirs.ts";
import { DEFAULT_IMAGES, type ImageRuntime } from "./images.ts";
import type { LogStore } from "./log-store.ts";
import { unschedulableStatus } from "./pod-status.ts";
import { PodWorker, type ContainerExitRecord, type WorkerContext } from "./pod-worker.ts";
import { probeIsolation, type Isolation } from "./process.ts";
import { schedule, type SimNode } from "./scheduler.ts";

export interface KubeletOptions {
  nodes?: SimNode[];
  /** Image name (no tag/digest; with or without registry) -> runtime. Merged over the defaults. */
  images?: Record<string, ImageRuntime>;
  /** Where pod volumes and PVC directories live (default: a new directory under the OS temp dir). */
  dataDir?: string;
  isolation?: Isolation | "auto";
  /**
   * Failure mode C6 (off by default): the pod's terminal phase is written this long before the
   * containers' terminated state. Kubelets since 1.24 write both in one update (the default, 0).
   */
  terminatedStateDelayMs?: number;
  imagePullBackOffMs?: number;
  configRetryMs?: number;
  restartBackoffMs?: number;
}

export class Kubelet {
  #store: Store;
  #nodes: SimNode[];
  #options: KubeletOptions;
  #context: WorkerContext | undefined;
  #queue: WorkQueue;
  #workers = new Map<string, PodWorker>();
  #graceOverrides = new Map<string, number>(); // pod uid -> grace seconds asked by a fault
  #unsubscribe: (() => void) | undefined;
  #exitListeners: ((record: ContainerExitRecord) => void)[] = [];
  readonly logs: LogStore;
  #events: EventRecorder | undefined;
  #schedulerEvent: RecordEvent;
  /** Directories made on the host for mount paths and working directories (removed when unused). */
  readonly hostDirs = new HostDirs();

  constructor(store: Store, logs: LogStore, options: KubeletOptions = {}, events?: EventRecorder) {
    this.#store = store;
    this.#events = events;
    // The scheduler reports through events.k8s.io: eventTime, action, reportingInstance, no source.
    this.#schedulerEvent = events?.recorderFor({ component: "default-scheduler", api: "events.k8s.io",
      instance: "default-scheduler-kube-sim" }) ?? (() => {});
    this.logs = logs;
    this.#options = options;
    this.#nodes = options.nodes ?? [{ name: "sim-node-1", labels: { "kubernetes.io/hostname": "sim-node-1", "kubernetes.io/os": "linux" } }];
    this.#queue = new WorkQueue((key) => this.#sync(key));
  }

  onContainerExit(listener: (record: ContainerExitRecord) => void): void {
    this.#exitListeners.push(listener);
  }

  get isolation(): Isolation {
    return this.#context?.isolation ?? "direct";
  }

  start(): void {
    const options = this.#options;
    const dataDir = options.dataDir ?? path.join(tmpdir(), `kube-sim-${process.pid}-${randomBytes(4).toString("hex")}`);
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    this.#context = {
      store: this.#store, logs: this.logs, dataDir,
      isolation: !options.isolation || options.isolation === "auto" ? probeIsolation() : options.isolation,
      images: { ...DEFAULT_IMAGES, ...options.images },
      hostPath: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      timing: { terminatedStateDelayMs: options.terminatedStateDelayMs ?? 0, imagePullBackOffMs: options.imagePullBackOffMs ?? 1000,
        configRetryMs: options.configRetryMs ?? 1000, restartBackoffMs: options.restartBackoffMs ?? 1000 },
      hostDirs: this.hostDirs,
      onContainerExit: (record) => { for (const listener of this.#exitListeners) listener(record); },
      release: (pod) => this.#release(pod),
      recordEvent: (pod, event) => this.#events?.record({ component: "kubelet", host: podSpec(pod).nodeName ?? "" }, pod, event),
    };
    this.#unsubscribe = this.#store.watch(PODS, undefined, this.#store.currentResourceVersion(),
      (event) => this.#queue.add(`${event.object.metadata.namespace ?? ""}/${event.object.metadata.name ?? ""}`));
    for (const pod of this.#store.list(PODS, undefined).items) this.#queue.add(`${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#queue.stop();
    const workers = [...this.#workers.values()];
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((worker) => worker.finished));
    for (const worker of workers) worker.cleanUp();
    this.#workers.clear();
    if (this.#options.dataDir === undefined && this.#context) rmSync(this.#context.dataDir, { recursive: true, force: true });
  }

  setTerminatedStateDelay(ms: number): void {
    if (this.#context) this.#context.timing.terminatedStateDelayMs = Math.max(0, ms);
    else this.#options.terminatedStateDelayMs = ms;
  }

  oomKill(namespace: string, pod: string, container?: string): boolean {
    return this.#workers.get(`${namespace}/${pod}`)?.oomKill(container) ?? false;
  }

  /** Deletes a pod as `kubectl delete pod --grace-period=N` would. */
  deletePod(namespace: string, pod: string, graceSeconds?: number): void {
    const object = this.#store.get(PODS, namespace, pod);
    if (graceSeconds !== undefined) this.#graceOverrides.set(object.metadata.uid ?? "", graceSeconds);
    this.#store.delete(PODS, namespace, pod, { propagationPolicy: "Background",
      ...(graceSeconds !== undefined ? { gracePeriodSeconds: graceSeconds } : {}) });
  }

  /**
   * Node-pressure eviction, as the kubelet's eviction manager does it: a Warning `Evicted` event,
   * DisruptionTarget (TerminationByKubelet), the containers stopped at once, and the pod left
   * Failed with reason Evicted. False when the pod does not run here.
   */
  evictForNodePressure(namespace: string, pod: string, resource = "memory"): boolean {
    const worker = this.#workers.get(`${namespace}/${pod}`);
    const object = this.#store.tryGet(PODS, namespace, pod);
    if (worker === undefined || worker.done || object === undefined || object.metadata.uid !== worker.uid) return false;
    const message = `The node was low on resource: ${resource}. `;
    this.#events?.record({ component: "kubelet", host: podSpec(object).nodeName ?? "" }, object,
      { type: "Warning", reason: "Evicted", message });
    const now = formatRfc3339(Date.now());
    this.#mutate(object, (current) => {
      const status = (current.status ?? {}) as { conditions?: Record<string, unknown>[] };
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "DisruptionTarget"), { type: "DisruptionTarget",
        status: "True", lastProbeTime: null, lastTransitionTime: now, reason: "TerminationByKubelet", message }];
      current.status = status;
    });
    worker.terminate(0);
    void worker.finished.then(() => this.#mutate(object, (current) => {
      current.status = { ...current.status as object, phase: "Failed", reason: "Evicted", message };
    }));
    return true;
  }

  /** The Eviction API: DisruptionTarget condition, then a graceful delete. */
  evict(namespace: string, pod: string): void {
    this.#store.mutate(PODS, namespace, pod, (object) => {
      const status = (object.status ?? {}) as { conditions?: object[] };
      const now = formatRfc3339(Date.now());
      status.conditions = [...(status.conditions ?? []), { type: "DisruptionTarget", status: "True", lastProbeTime: null,
        lastTransitionTime: now, reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }];
      object.status = status;
    });
    this.deletePod(namespace, pod);
  }

  #sync(key: string): void {
    const [namespace, name] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    const pod = this.#store.tryGet(PODS, namespace, name);
    let worker = this.#workers.get(key);
    if (worker && worker.uid !== pod?.metadata.uid) {
      worker.kill(); // force-deleted or replaced by a pod of the same name
      const gone = worker;
      void gone.finished.then(() => gone.cleanUp());
      this.#workers.delete(key);
      worker = undefined;
    }
    if (pod === undefined) return;
    if (pod.metadata.deletionTimestamp !== undefined) return this.#onDeleting(pod, worker);
    if (worker !== undefined || isPodTerminal(pod)) return;
    const spec = podSpec(pod);
    if (spec.nodeName === undefined) return this.#schedule(pod);
    if (!this.#nodes.some((node) => node.name === spec.nodeName) || this.#context === undefined) return;
    worker = new PodWorker(this.#context, pod);
    this.#workers.set(key, worker);
    worker.start();
  }

  #schedule(pod: KubeObject): void {
    const spec = podSpec(pod);
    const result = schedule({ nodeSelector: spec.nodeSelector, tolerations: spec.tolerations }, this.#nodes);
    const now = formatRfc3339(Date.now());
    this.#mutate(pod, (object) => {
      if ("unschedulable" in result) {
        const previous = (object.status ?? {}) as { conditions?: { type: string; message?: string }[] };
        const same = previous.conditions?.some((c) => c.type === "PodScheduled" && c.message === result.unschedulable);
        if (!same) object.status = unschedulableStatus(previous as object, result.unschedulable, now);
        return;
      }
      (object.spec as Record<string, unknown>).nodeName = result.node;
      object.status = { ...object.status as object, phase: "Pending", conditions: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now }] };
    });
    const after = this.#store.tryGet(PODS, pod.metadata.namespace, pod.metadata.name ?? "");
    if (after === undefined || after.metadata.uid !== pod.metadata.uid || after.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if ("unschedulable" in result) {
      this.#schedulerEvent(after, { type: "Warning", reason: "FailedScheduling", action: "Scheduling", message: result.unschedulable });
    } else {
      this.#schedulerEvent(after, { type: "Normal", reason: "Scheduled", action: "Binding",
        message: `Successfully assigned ${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""} to ${result.node}` });
    }
  }

  #onDeleting(pod: KubeObject, worker: PodWorker | undefined): void {
    if (worker === undefined || worker.done) return this.#release(pod);
    const uid = pod.metadata.uid ?? "";
    worker.terminate(this.#graceOverrides.get(uid) ?? pod.metadata.deletionGracePeriodSeconds ?? 30);
  }

  /** The pod's processes are gone: a pod being deleted is now deleted for good (grace 0). */
  #release(pod: KubeObject): void {
    this.#graceOverrides.delete(pod.metadata.uid ?? "");
    const current = this.#store.tryGet(PODS, pod.metadata.namespace, pod.metadata.name ?? "");
    if (current !== undefined && current.metadata.uid === pod.metadata.uid && current.metadata.deletionTimestamp !== undefined) {
      ignoreGone(() => this.#store.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? "",
        { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? "" } }));
    }
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    const worker = this.#workers.get(key);
    if (worker !== undefined && worker.uid === pod.metadata.uid && worker.done) {
      this.#workers.delete(key);
      worker.cleanUp();
    }
  }

  #mutate(pod: KubeObject, change: (object: KubeObject) => void): void {
    try {
      this.#store.mutate(PODS, pod.metadata.namespace, pod.metadata.name ?? "", (object) => {
        if (object.metadata.uid === pod.metadata.uid) change(object);
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function ignoreGone(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!isNotFound(error) && !(isStatusError(error) && error.code === 409)) throw error;
  }
}
