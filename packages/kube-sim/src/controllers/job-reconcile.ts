// The Job controller's decisions as a pure function: given a Job, the pods it controls and the
// time, what should the status be, which pods to create or delete, and which pods' terminal
// state is now accounted (their job-tracking finalizer can go). Follows batch/v1 in 1.31+:
// SuccessCriteriaMet before Complete, FailureTarget before Failed, Failed only when no pod runs.

import type { KubeObject } from "../store/types.ts";
import { formatRfc3339 } from "../kubelet/clock.ts";
import { matchPodFailurePolicy } from "./pod-failure-policy.ts";
import {
  findCondition, hasCondition, isPodTerminal, jobSpec, jobStatus, podStatus,
  type Condition, type JobSpec, type JobStatus,
} from "./kube-types.ts";

export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";

export interface JobDecision {
  status: JobStatus;
  statusChanged: boolean;
  createPods: number;
  deletePods: string[];
  /** Pods whose terminal state the new status accounts for: remove their finalizer after writing it. */
  removeFinalizers: string[];
  /** When to look again even if nothing changes (activeDeadlineSeconds). */
  requeueAtMs?: number;
}

interface Accounting {
  succeeded: number;
  failed: number;
  accounted: string[];
  failJob?: { reason: string; message: string };
}

const MESSAGES = {
  BackoffLimitExceeded: "Job has reached the specified backoff limit",
  DeadlineExceeded: "Job was active longer than specified deadline",
  CompletionsReached: "Reached expected number of succeeded pods",
};

function tracked(pod: KubeObject): boolean {
  return (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** Counts the newly terminal pods (those still carrying the tracking finalizer). */
export function accountPods(spec: JobSpec, status: JobStatus, pods: readonly KubeObject[]): Accounting {
  const result: Accounting = { succeeded: status.succeeded ?? 0, failed: status.failed ?? 0, accounted: [] };
  const rules = spec.podFailurePolicy?.rules ?? [];
  // Terminating pods count as failed at once unless the Job waits for the terminal phase.
  const terminatingIsFailed = spec.podReplacementPolicy !== "Failed" && rules.length === 0;
  for (const pod of pods) {
    if (!tracked(pod)) continue;
    const phase = podStatus(pod).phase;
    const name = pod.metadata.name ?? "";
    if (phase === "Succeeded") {
      result.succeeded++;
    } else if (phase === "Failed") {
      // The terminated state can trail the phase; a policy needs the exit codes, so wait for them.
      if (rules.length > 0 && !containersTerminated(pod)) continue;
      const match = matchPodFailurePolicy(rules, pod);
      if (match?.action === "FailJob") result.failJob ??= { reason: "PodFailurePolicy", message: match.message };
      if (match?.action !== "Ignore") result.failed++;
    } else if (pod.metadata.deletionTimestamp !== undefined && terminatingIsFailed) {
      result.failed++;
    } else {
      continue;
    }
    result.accounted.push(name);
  }
  return result;
}

function containersTerminated(pod: KubeObject): boolean {
  return (podStatus(pod).containerStatuses ?? []).every((c) => c.state.terminated !== undefined);
}

function condition(type: string, reason: string, message: string, nowMs: number): Condition {
  const now = formatRfc3339(nowMs);
  return { type, status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now };
}

/** The interim terminal condition to add now, if the Job has just met success or failure. */
function interimCondition(job: KubeObject, spec: JobSpec, counts: Accounting, startMs: number | undefined,
  nowMs: number): Condition | undefined {
  const completions = spec.completions === undefined ? 1 : spec.completions;
  const backoffLimit = spec.backoffLimit ?? 6;
  if (counts.failJob) return condition("FailureTarget", counts.failJob.reason, counts.failJob.message, nowMs);
  if (counts.failed > backoffLimit) {
    return condition("FailureTarget", "BackoffLimitExceeded", MESSAGES.BackoffLimitExceeded, nowMs);
  }
  if (spec.activeDeadlineSeconds !== undefined && startMs !== undefined
    && nowMs >= startMs + spec.activeDeadlineSeconds * 1000) {
    return condition("FailureTarget", "DeadlineExceeded", MESSAGES.DeadlineExceeded, nowMs);
  }
  const done = completions === null ? counts.succeeded > 0 : counts.succeeded >= completions;
  if (done && job.metadata.deletionTimestamp === undefined) {
    return condition("SuccessCriteriaMet", "CompletionsReached", MESSAGES.CompletionsReached, nowMs);
  }
  return undefined;
}

function podCounters(pods: readonly KubeObject[]): { active: KubeObject[]; terminating: number; ready: number } {
  const running = pods.filter((pod) => !isPodTerminal(pod));
  const active = running.filter((pod) => pod.metadata.deletionTimestamp === undefined);
  const ready = active.filter((pod) => hasCondition(podStatus(pod).conditions, "Ready")).length;
  return { active, terminating: running.length - active.length, ready };
}

export function reconcileJob(job: KubeObject, pods: readonly KubeObject[], nowMs: number): JobDecision {
  const spec = jobSpec(job);
  const old = jobStatus(job);
  const conditions = [...(old.conditions ?? [])];
  const finished = hasCondition(conditions, "Complete") || hasCondition(conditions, "Failed");
  const counts = accountPods(spec, old, pods);
  const { active, terminating, ready } = podCounters(pods);
  const startTime = old.startTime ?? (spec.suspend === true ? undefined : formatRfc3339(nowMs));
  const status: JobStatus = { ...old, active: active.length, ready, succeeded: counts.succeeded,
    failed: counts.failed, terminating, uncountedTerminatedPods: {},
    ...(startTime !== undefined ? { startTime } : {}), conditions };
  const decision: JobDecision = { status, statusChanged: false, createPods: 0, deletePods: [], removeFinalizers: [] };
  if (finished) {
    decision.removeFinalizers = pods.filter(tracked).map((pod) => pod.metadata.name ?? "");
    return finish(decision, old);
  }
  decision.removeFinalizers = counts.accounted;
  const startMs = startTime === undefined ? undefined : Date.parse(startTime);
  const target = findCondition(conditions, "FailureTarget") ?? findCondition(conditions, "SuccessCriteriaMet");
  if (target === undefined) {
    const interim = interimCondition(job, spec, counts, startMs, nowMs);
    if (interim !== undefined) {
      conditions.push(interim);
      decision.deletePods = active.map((pod) => pod.metadata.name ?? "");
      return finish(decision, old);
    }
    decision.createPods = podsWanted(spec, counts.succeeded, active.length, terminating, job);
    if (spec.activeDeadlineSeconds !== undefined && startMs !== undefined) {
      decision.requeueAtMs = startMs + spec.activeDeadlineSeconds * 1000;
    }
    return finish(decision, old);
  }
  decision.deletePods = active.map((pod) => pod.metadata.name ?? "");
  if (active.length === 0 && terminating === 0) {
    const failing = target.type === "FailureTarget";
    conditions.push(condition(failing ? "Failed" : "Complete", target.reason ?? "", target.message ?? "", nowMs));
    if (!failing) status.completionTime = formatRfc3339(nowMs);
    decision.removeFinalizers = pods.filter(tracked).map((pod) => pod.metadata.name ?? "");
  }
  return finish(decision, old);
}

function podsWanted(spec: JobSpec, succeeded: number, active: number, terminating: number, job: KubeObject): number {
  if (spec.suspend === true || job.metadata.deletionTimestamp !== undefined) return 0;
  const parallelism = spec.parallelism ?? 1;
  const completions = spec.completions === undefined ? 1 : spec.completions;
  const remaining = completions === null ? parallelism : Math.min(parallelism, completions - succeeded);
  const blocked = spec.podReplacementPolicy === "Failed" ? terminating : 0;
  return Math.max(0, remaining - active - blocked);
}

function finish(decision: JobDecision, old: JobStatus): JobDecision {
  decision.statusChanged = JSON.stringify(decision.status) !== JSON.stringify(old);
  return decision;
}
