// The per-agent Lease (coordination.k8s.io/v1) that makes "never two live Jobs for one agent"
// hold across server replicas: the API server's resourceVersion check is the lock. Pure: the
// caller passes `now`.
import type { V1Job, V1Lease, V1MicroTime } from "@kubernetes/client-node";

export interface LeaseInput {
  name: string;
  namespace: string;
  /** The run that holds the lock. */
  holderIdentity: string;
  leaseDurationSeconds: number;
  now: Date;
  /** When the current holder first acquired it (kept across renewals); defaults to now. */
  acquiredAt?: Date;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/** RFC 3339 with microseconds, the wire form of a MicroTime. client-node 1.4 passes a
 * V1MicroTime field through its serializer untouched (the type is not in its map), so this
 * string is exactly what the API server receives; reads give strings back too. */
export function microTime(at: Date): string {
  return `${at.toISOString().slice(0, -1)}000Z`;
}

function asMicroTime(at: Date): V1MicroTime {
  return microTime(at) as unknown as V1MicroTime;
}

export function buildLease(input: LeaseInput): V1Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.labels },
      annotations: { ...(input.annotations ?? {}) },
    },
    spec: {
      holderIdentity: input.holderIdentity,
      leaseDurationSeconds: input.leaseDurationSeconds,
      acquireTime: asMicroTime(input.acquiredAt ?? input.now),
      renewTime: asMicroTime(input.now),
    },
  };
}

/** A MicroTime as read back: a string on the wire, a Date if someone built it locally. */
function timeOf(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** Held = has a holder and its last renewal is younger than its duration. A lease with a
 * holder but an unreadable renew time counts as held (fail closed: DESIGN principle 4). */
export function isLeaseHeld(lease: V1Lease, now: Date): boolean {
  const spec = lease.spec;
  if (!spec?.holderIdentity) return false;
  const renewed = timeOf(spec.renewTime) ?? timeOf(spec.acquireTime);
  const duration = spec.leaseDurationSeconds;
  if (renewed === null || typeof duration !== "number") return true;
  return now.getTime() < renewed + duration * 1000;
}

const TERMINAL_CONDITIONS = new Set(["Complete", "Failed", "SuccessCriteriaMet", "FailureTarget"]);

/** A Job that can still run an agent. Not live: being deleted (R6), or carrying a terminal
 * condition, including 1.31+'s early SuccessCriteriaMet / FailureTarget (C2). */
export function isJobLive(job: V1Job): boolean {
  if (job.metadata?.deletionTimestamp) return false;
  const conditions = job.status?.conditions ?? [];
  return !conditions.some((c) => c.status === "True" && TERMINAL_CONDITIONS.has(c.type));
}
