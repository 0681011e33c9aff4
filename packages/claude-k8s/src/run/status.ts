// Pure: what the operator is told at each phase change — what kubectl would show, without
// kubectl — and the run's small timeline for the result.
import type { Phase } from "./observe.ts";
import { describePhase } from "./observe.ts";
import type { RunStatus } from "./host.ts";

export function statusFor(phase: Phase, jobName: string, pod: string | null): RunStatus {
  const payload: Record<string, unknown> = { phase: phase.kind, job: jobName, ...(pod ? { pod } : {}) };
  const message = `${pod ? `pod ${pod}` : `Job ${jobName}`}: ${describePhase(phase)}`;
  switch (phase.kind) {
    case "pending":
    case "scheduled":
      return { type: `k8s.pod.${phase.kind}`, level: phase.block ? "warn" : "info", message, starting: true,
        payload: { ...payload, ...("node" in phase ? { node: phase.node } : {}), ...(phase.block ? { cause: phase.block.cause } : {}) } };
    case "running":
      return { type: "k8s.container.started", level: "info", message, starting: false, payload: { ...payload, node: phase.node } };
    case "exited": {
      const t = phase.terminated;
      return { type: "k8s.container.terminated", level: t.exitCode === 0 ? "info" : "warn", message, starting: false,
        payload: { ...payload, exitCode: t.exitCode, reason: t.reason } };
    }
    case "podEnded":
      return { type: "k8s.pod.ended", level: "warn", message, starting: false, payload };
    case "jobFailed":
      return { type: "k8s.job.failed", level: "error", message, starting: false, payload: { ...payload, reason: phase.reason } };
    case "deleted":
      return { type: "k8s.job.deleted", level: phase.reason ? "info" : "warn", message, starting: false, payload: { ...payload, reason: phase.reason } };
  }
}

export type Timeline = {
  created: string | null;
  scheduled: string | null;
  started: string | null;
  exited: string | null;
  finished: string | null;
  node: string | null;
  pod: string | null;
};

export function emptyTimeline(created: string | null): Timeline {
  return { created, scheduled: null, started: null, exited: null, finished: null, node: null, pod: null };
}

/** Marks the first time each milestone was seen (the container's own times win when known). */
export function markTimeline(timeline: Timeline, phase: Phase, at: Date, pod: string | null): Timeline {
  const now = at.toISOString();
  const next = { ...timeline, pod: pod ?? timeline.pod };
  if (phase.kind === "scheduled" || phase.kind === "running") {
    next.scheduled ??= now;
    next.node ??= phase.node;
  }
  if (phase.kind === "running") next.started ??= phase.startedAt ?? now;
  if (phase.kind === "exited") {
    next.started ??= phase.terminated.startedAt;
    next.exited ??= phase.terminated.finishedAt ?? now;
  }
  return next;
}
