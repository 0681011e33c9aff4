// Runtime faults, injected in-process (and exposed by the API layer on its admin endpoint):
// things that happen to pods and Jobs on a real cluster rather than to HTTP traffic.

import type { JobController } from "../controllers/job-controller.ts";
import type { Kubelet } from "../kubelet/kubelet.ts";
import { JOBS } from "../store/resources.ts";
import type { PropagationPolicy, Store } from "../store/types.ts";

export interface RuntimeFaults {
  /** SIGKILL a container (the first running one when unnamed): terminated OOMKilled, exit 137. */
  oomKill(namespace: string, pod: string, container?: string): boolean;
  /** Eviction API: condition DisruptionTarget (EvictionByEvictionAPI), then a graceful delete. */
  evict(namespace: string, pod: string): void;
  /** Node-pressure eviction by the kubelet: Evicted event, containers stopped, pod Failed with reason Evicted. */
  evictForNodePressure(namespace: string, pod: string, resource?: string): boolean;
  /** Delete a pod; `graceSeconds` overrides the pod's terminationGracePeriodSeconds. */
  deletePod(namespace: string, pod: string, graceSeconds?: number): void;
  deleteJob(namespace: string, job: string, policy?: PropagationPolicy): void;
  /** Hold back every Job status write that adds a terminal condition by `ms`. */
  setConditionLag(ms: number): void;
  /**
   * Failure mode C6: the pod's phase turns terminal this long before its containers' terminated
   * state appears (0, the default, writes both in one update as kubelets since 1.24 do).
   */
  setTerminatedStateDelay(ms: number): void;
  /** Make the oldest `dropLines` lines of a container's log unreadable (containerLogMaxSize rotation). */
  rotateLogs(namespace: string, pod: string, container: string, dropLines: number): number;
  /** Step the node's clock by `byMs` now (negative: back, as NTP may): later log stamps carry it. */
  stepNodeClock(byMs: number): void;
}

export function runtimeFaults(store: Store, kubelet: Kubelet, jobs: JobController): RuntimeFaults {
  return {
    oomKill: (namespace, pod, container) => kubelet.oomKill(namespace, pod, container),
    evict: (namespace, pod) => kubelet.evict(namespace, pod),
    evictForNodePressure: (namespace, pod, resource) => kubelet.evictForNodePressure(namespace, pod, resource),
    deletePod: (namespace, pod, graceSeconds) => kubelet.deletePod(namespace, pod, graceSeconds),
    deleteJob: (namespace, job, policy = "Background") => {
      store.delete(JOBS, namespace, job, { propagationPolicy: policy });
    },
    setConditionLag: (ms) => jobs.setConditionLag(ms),
    setTerminatedStateDelay: (ms) => kubelet.setTerminatedStateDelay(ms),
    rotateLogs: (namespace, pod, container, dropLines) =>
      kubelet.logs.containerLog(namespace, pod, container)?.rotate(dropLines) ?? 0,
    stepNodeClock: (byMs) => kubelet.logs.writing.clock.step(byMs),
  };
}
