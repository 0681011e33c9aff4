// Pure: what a run's Job and pod say about where the run is. Like a reconcile function, it is
// given the latest state (never an event) and answers with one phase; the supervisor acts on
// phase changes. The claude container's `state.terminated` is the only proof that the run is
// over (DESIGN principle 1); Job conditions, deletion and deadlines are the other inputs.
// Absent status fields are absent, not zero: a real API server omits zeros.
import type { V1ContainerStatus, V1Job, V1Pod } from "@kubernetes/client-node";
import { ANNOTATION } from "../spec/labels.ts";

export type Terminated = {
  exitCode: number;
  reason: string | null;
  signal: number | null;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
};

/** Why a pod cannot start; whether it could still start decides what the deadline does. */
export type StartBlock = {
  cause: "unschedulable" | "imagePull" | "createContainer" | "initFailed" | "crashLoop";
  message: string;
};

export type Phase =
  | { kind: "pending"; block: StartBlock | null }
  | { kind: "scheduled"; node: string; block: StartBlock | null; waiting: string | null }
  | { kind: "running"; node: string; startedAt: string | null }
  | { kind: "exited"; terminated: Terminated }
  /** The pod is terminal but its container's terminated state has not arrived yet (C6). */
  | { kind: "podEnded"; podPhase: string; reason: string | null }
  | { kind: "jobFailed"; reason: string; message: string }
  /** Being deleted or gone; `reason` is the one we recorded before deleting, or null (C3). */
  | { kind: "deleted"; reason: string | null; gone: boolean };

export type ObserveInput = {
  /** The Job as last seen (kept after it was deleted). */
  job: V1Job | null;
  /** A direct read answered 404 (a cache miss alone is not proof: R11). */
  jobGone: boolean;
  pod: V1Pod | null;
  /** Captured earlier from a pod update or its DELETED event (C4); sticky. */
  terminated: Terminated | null;
  container: string;
};

export function observe(input: ObserveInput): Phase {
  const terminated = input.terminated ?? terminatedOf(input.pod, input.container);
  if (terminated) return { kind: "exited", terminated };
  const job = input.job;
  if (input.jobGone || job?.metadata?.deletionTimestamp) {
    return { kind: "deleted", reason: job?.metadata?.annotations?.[ANNOTATION.deleteReason] ?? null, gone: input.jobGone };
  }
  const pod = input.pod;
  const podPhase = pod?.status?.phase;
  if (podPhase === "Succeeded" || podPhase === "Failed") return { kind: "podEnded", podPhase, reason: pod?.status?.reason ?? null };
  const failed = failedCondition(job);
  if (failed && !isPodActive(pod)) return { kind: "jobFailed", ...failed };
  // The Job completed but its pod is gone unseen (deleted at the exit): the container succeeded by
  // the Job's account; wait for its status as for an ended pod, never for the start deadline.
  if (completeCondition(job) && !isPodActive(pod)) return { kind: "podEnded", podPhase: "Succeeded", reason: "JobComplete" };
  if (!pod || !pod.spec?.nodeName) return { kind: "pending", block: pod ? schedulingBlock(pod) : null };
  const status = containerStatus(pod, input.container);
  const running = status?.state?.running;
  if (running) return { kind: "running", node: pod.spec.nodeName, startedAt: dateText(running.startedAt) };
  return { kind: "scheduled", node: pod.spec.nodeName, block: startBlock(pod, input.container), waiting: status?.state?.waiting?.reason ?? null };
}

export function containerStatus(pod: V1Pod | null, container: string): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((s) => s.name === container);
}

/** The container's terminated state, as plain data, or null. */
export function terminatedOf(pod: V1Pod | null, container: string): Terminated | null {
  const t = containerStatus(pod, container)?.state?.terminated;
  if (!t || typeof t.exitCode !== "number") return null;
  const disruption = pod?.status?.conditions?.find((c) => c.type === "DisruptionTarget" && c.status === "True");
  // An evicted pod's container just sees SIGTERM; the pod's DisruptionTarget says why (C7). A
  // container that exited by itself (not by a signal, code < 128) was not ended by the eviction
  // that came after (soak seed 20261202, runs 27/35/36: evicted at the exit, reported evicted).
  const evicted = (disruption?.reason === "EvictionByEvictionAPI" || pod?.status?.reason === "Evicted") && t.exitCode >= 128;
  return {
    exitCode: t.exitCode,
    reason: evicted && t.reason !== "OOMKilled" ? "Evicted" : t.reason ?? null,
    signal: typeof t.signal === "number" ? t.signal : null,
    message: evicted ? disruption?.message ?? pod?.status?.message ?? t.message ?? null : t.message ?? null,
    startedAt: dateText(t.startedAt),
    finishedAt: dateText(t.finishedAt),
  };
}

const FAILED_TYPES = new Set(["Failed", "FailureTarget"]);

/** 1.31+ sets FailureTarget before Failed (C2); either one means the Job will not run claude. */
function failedCondition(job: V1Job | null): { reason: string; message: string } | null {
  const c = job?.status?.conditions?.find((x) => FAILED_TYPES.has(x.type) && x.status === "True");
  return c ? { reason: c.reason ?? c.type, message: c.message ?? "" } : null;
}

const COMPLETE_TYPES = new Set(["Complete", "SuccessCriteriaMet"]);

function completeCondition(job: V1Job | null): boolean {
  return (job?.status?.conditions ?? []).some((x) => COMPLETE_TYPES.has(x.type) && x.status === "True");
}

/** A pod that may still run or report its container (not terminal). */
function isPodActive(pod: V1Pod | null): boolean {
  const phase = pod?.status?.phase;
  return pod !== null && phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

function schedulingBlock(pod: V1Pod): StartBlock | null {
  const c = pod.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
  if (c?.reason !== "Unschedulable") return null;
  return { cause: "unschedulable", message: c.message ?? "no node fits the pod" };
}

const IMAGE_PULL = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"]);
const CREATE_FAILED = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

/** Why a scheduled pod's containers do not run, or null while it is just starting. */
export function startBlock(pod: V1Pod, container: string): StartBlock | null {
  for (const init of pod.status?.initContainerStatuses ?? []) {
    const t = init.state?.terminated;
    if (t && t.exitCode !== 0) return { cause: "initFailed", message: `init container ${init.name} exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}` };
    const w = init.state?.waiting;
    if (w?.reason === "CrashLoopBackOff") return { cause: "crashLoop", message: `init container ${init.name}: ${w.message ?? w.reason}` };
  }
  const waiting = containerStatus(pod, container)?.state?.waiting;
  const reason = waiting?.reason ?? "";
  const message = `${reason}${waiting?.message ? `: ${waiting.message}` : ""}`;
  if (IMAGE_PULL.has(reason)) return { cause: "imagePull", message };
  if (CREATE_FAILED.has(reason)) return { cause: "createContainer", message };
  if (reason === "CrashLoopBackOff") return { cause: "crashLoop", message };
  return null;
}

/** client-node may hand back Dates for time fields; the wire has strings. */
export function dateText(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  return typeof value === "string" ? value : null;
}

/** A time field (Date or string) in epoch ms; 0 when absent or unreadable. */
export function timeMs(value: unknown): number {
  const text = dateText(value);
  const ms = text === null ? NaN : Date.parse(text);
  return Number.isNaN(ms) ? 0 : ms;
}

/** A phase as one short line for people (status channel, timeline). */
export function describePhase(phase: Phase): string {
  switch (phase.kind) {
    case "pending": return phase.block ? `pending: ${phase.block.message}` : "pending: waiting for a node";
    case "scheduled": return phase.block ? `on ${phase.node}, not starting: ${phase.block.message}` : `scheduled on ${phase.node}${phase.waiting ? ` (${phase.waiting})` : ""}`;
    case "running": return `running on ${phase.node}`;
    case "exited": return `container exited with code ${phase.terminated.exitCode}${phase.terminated.reason ? ` (${phase.terminated.reason})` : ""}`;
    case "podEnded": return `pod ${phase.podPhase}${phase.reason ? ` (${phase.reason})` : ""}, waiting for the container's exit status`;
    case "jobFailed": return `Job failed: ${phase.reason}${phase.message ? `: ${phase.message}` : ""}`;
    case "deleted": return `Job ${phase.gone ? "deleted" : "being deleted"}${phase.reason ? ` (${phase.reason})` : ""}`;
  }
}

/** Same kind and the same key facts: no transition to act on. */
export function samePhase(a: Phase | null, b: Phase): boolean {
  return a !== null && describePhase(a) === describePhase(b);
}
