// Pure builders for a pod's status from the kubelet's record of its containers: phase, the four
// kubelet-owned conditions (other conditions, e.g. DisruptionTarget, are kept), container states.

import type { Condition, ContainerState, ContainerStatus, PodStatus } from "../controllers/kube-types.ts";

export interface ContainerRecord {
  name: string;
  image: string;
  state: ContainerState;
  lastState: ContainerState;
  restartCount: number;
  containerID?: string;
}

export interface PodRecord {
  phase: NonNullable<PodStatus["phase"]>;
  init: ContainerRecord[];
  main: ContainerRecord[];
  hostIP?: string;
  podIP?: string;
  startTime?: string;
  /** While set, terminated states are shown as still running (the phase-before-state delay). */
  hideTerminated?: boolean;
}

const KUBELET_CONDITIONS = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

export function isRunning(record: ContainerRecord): boolean {
  return record.state.running !== undefined;
}

function shownState(record: ContainerRecord, hide: boolean): ContainerState {
  if (hide && record.state.terminated) return { running: { startedAt: record.state.terminated.startedAt } };
  return record.state;
}

function containerStatus(record: ContainerRecord, hide: boolean): ContainerStatus {
  const state = shownState(record, hide);
  return {
    name: record.name,
    state,
    lastState: record.lastState,
    ready: state.running !== undefined && !hide,
    restartCount: record.restartCount,
    image: record.image,
    imageID: "",
    started: state.running !== undefined,
    ...(record.containerID ? { containerID: record.containerID } : {}),
  };
}

function condition(type: string, ok: boolean, now: string, reason?: string, message?: string): Condition {
  return { type, status: ok ? "True" : "False", lastProbeTime: null, lastTransitionTime: now,
    ...(ok || reason === undefined ? {} : { reason }), ...(ok || message === undefined ? {} : { message }) };
}

/** Keeps lastTransitionTime when a condition's status did not change. */
function mergeConditions(previous: Condition[], next: Condition[]): Condition[] {
  const merged = next.map((condition) => {
    const old = previous.find((p) => p.type === condition.type);
    return old && old.status === condition.status ? { ...condition, lastTransitionTime: old.lastTransitionTime } : condition;
  });
  const foreign = previous.filter((p) => !KUBELET_CONDITIONS.includes(p.type));
  return [...foreign, ...merged];
}

export function buildPodStatus(record: PodRecord, previous: PodStatus, now: string): PodStatus {
  const hide = record.hideTerminated === true;
  const terminal = record.phase === "Succeeded" || record.phase === "Failed";
  const initDone = record.init.every((c) => c.state.terminated?.exitCode === 0);
  const pendingInit = record.init.filter((c) => c.state.terminated?.exitCode !== 0).map((c) => c.name);
  const unready = record.main.filter((c) => !isRunning(c) || hide).map((c) => c.name);
  const ready = !terminal && unready.length === 0;
  const readyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const conditions = [
    condition("PodReadyToStartContainers", !terminal, now),
    condition("Initialized", initDone, now, terminal ? "PodCompleted" : "ContainersNotInitialized",
      terminal ? undefined : `containers with incomplete status: [${pendingInit.join(" ")}]`),
    condition("Ready", ready, now, readyReason, readyMessage),
    condition("ContainersReady", ready, now, readyReason, readyMessage),
    condition("PodScheduled", true, now),
  ];
  return {
    ...previous,
    phase: record.phase,
    conditions: mergeConditions(previous.conditions ?? [], conditions),
    ...(record.hostIP ? { hostIP: record.hostIP } : {}),
    ...(record.podIP ? { podIP: record.podIP } : {}),
    ...(record.startTime ? { startTime: record.startTime } : {}),
    ...(record.init.length > 0 ? { initContainerStatuses: record.init.map((c) => containerStatus(c, hide)) } : {}),
    containerStatuses: record.main.map((c) => containerStatus(c, hide)),
  };
}

/** Phase once every container has stopped (restartPolicy Never semantics). */
export function finalPhase(record: PodRecord): "Succeeded" | "Failed" {
  const failedInit = record.init.some((c) => c.state.terminated !== undefined && c.state.terminated.exitCode !== 0);
  if (failedInit) return "Failed";
  const allZero = record.main.every((c) => c.state.terminated?.exitCode === 0);
  return allZero ? "Succeeded" : "Failed";
}

export function unschedulableStatus(previous: PodStatus, message: string, now: string): PodStatus {
  const scheduled: Condition = { type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: now,
    reason: "Unschedulable", message };
  const others = (previous.conditions ?? []).filter((c) => c.type !== "PodScheduled");
  return { ...previous, phase: "Pending", conditions: [...others, scheduled] };
}
