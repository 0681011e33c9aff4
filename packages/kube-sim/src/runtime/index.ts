// kube-sim's runtime: the Job, TTL and garbage-collection controllers, the process kubelet,
// runtime faults, ground truth and the invariant monitor, all driven by one Store.

import { GarbageCollector } from "../controllers/garbage-collector.ts";
import { JobController } from "../controllers/job-controller.ts";
import { EventRecorder } from "../events/recorder.ts";
import { TtlController } from "../controllers/ttl-controller.ts";
import { Kubelet, type KubeletOptions } from "../kubelet/kubelet.ts";
import { NodeClock, type NodeClockOptions } from "../kubelet/clock.ts";
import { LogStore } from "../kubelet/log-store.ts";
import type { LogSource } from "../kubelet/log-types.ts";
import type { Store } from "../store/types.ts";
import { runtimeFaults, type RuntimeFaults } from "./faults.ts";
import { GroundTruth } from "./ground-truth.ts";
import { InvariantMonitor } from "./invariants.ts";

export interface RuntimeOptions extends KubeletOptions {
  /** Initial condition lag for the Job controller (ms). */
  conditionLagMs?: number;
  /** How long Events live (the API server's --event-ttl; default 1 h). */
  eventTtlMs?: number;
  /** How the node's clock stamps log lines: zone, stdout/stderr jitter, a clock step (all off by default). */
  nodeClock?: NodeClockOptions;
  /** Lines longer than this many bytes are written as partial log entries (default 16384, as containerd). */
  logFragmentBytes?: number;
}

export interface Runtime {
  logSource: LogSource;
  faults: RuntimeFaults;
  groundTruth: GroundTruth;
  invariants: InvariantMonitor;
  kubelet: Kubelet;
  /** Records Events for the controllers and the kubelet; expires them after the TTL. */
  events: EventRecorder;
  /** Kills every child process, clears every timer, ends every subscription. */
  stop(): Promise<void>;
}

export function startRuntime(store: Store, options: RuntimeOptions = {}): Runtime {
  const logs = new LogStore({ clock: new NodeClock(options.nodeClock),
    ...(options.logFragmentBytes !== undefined ? { fragmentBytes: options.logFragmentBytes } : {}) });
  const invariants = new InvariantMonitor(store);
  const groundTruth = new GroundTruth(store, logs);
  const events = new EventRecorder(store, { ...(options.eventTtlMs !== undefined ? { ttlMs: options.eventTtlMs } : {}) });
  const jobs = new JobController(store, events.recorderFor({ component: "job-controller" }));
  const ttl = new TtlController(store);
  const gc = new GarbageCollector(store);
  const kubelet = new Kubelet(store, logs, options, events);
  kubelet.onContainerExit((record) => groundTruth.recordExit(record));
  if (options.conditionLagMs !== undefined) jobs.setConditionLag(options.conditionLagMs);
  invariants.start();
  events.start();
  jobs.start();
  ttl.start();
  gc.start();
  kubelet.start();
  let stopping: Promise<void> | undefined;
  return {
    logSource: logs, groundTruth, invariants, kubelet, events,
    faults: runtimeFaults(store, kubelet, jobs),
    stop() {
      stopping ??= (async () => {
        jobs.stop();
        events.stop();
        ttl.stop();
        gc.stop();
        invariants.stop();
        await kubelet.stop();
      })();
      return stopping;
    },
  };
}

export type { RuntimeFaults } from "./faults.ts";
export type { GroundTruth, ContainerLines } from "./ground-truth.ts";
export type { InvariantMonitor, Invariant, Violation } from "./invariants.ts";
export type { KubeletOptions } from "../kubelet/kubelet.ts";
export type { NodeClockOptions } from "../kubelet/clock.ts";
export type { SimNode, Taint, Toleration } from "../kubelet/scheduler.ts";
export type { ImageRuntime } from "../kubelet/images.ts";
export type { ContainerExitRecord } from "../kubelet/pod-worker.ts";
