// Is the run that holds an agent's Lease still alive? Asked on demand, not by periodic renewals
// (which would make a run's API requests grow with its length): a run that wants to adopt a live
// Job writes a ping on the Lease (a resourceVersion-guarded update); a live holder sees it through
// the shared Lease informer and answers with a pong carrying the same token. No answer within a
// few seconds: the holder is gone and its Job an orphan. A holder that sees another run named as
// the Lease's holder has lost it, stops following and leaves the Job to that run. Jobs followed in
// this process are also known locally, so a second run here never even pings.
import type { V1Lease } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import type { NamespaceView } from "../kube/informer-registry.ts";
import { isConflict, isNotFound } from "../kube/errors.ts";
import type { RunObjects } from "../kube/objects.ts";
import { abortableSleep } from "../kube/retry.ts";
import { microTime } from "../spec/lease.ts";
import type { Claim } from "./claim.ts";

export const PING_ANNOTATION = "paperclip.io/liveness-ping";
export const PONG_ANNOTATION = "paperclip.io/liveness-pong";
/** Written by a run that leaves its Job for adoption (shutdown): the next run adopts without a ping. */
export const RELEASED_ANNOTATION = "paperclip.io/released-for-adoption";
/** How long a contender waits for the holder's answer (the informer delivers in well under 1 s). */
export const PING_WAIT_MS = 4_000;

/** Job names some run of this process is following right now. */
const followedHere = new Set<string>();

export function isFollowedHere(jobName: string): boolean {
  return followedHere.has(jobName);
}

export type LeaseKeeper = { stop(): void };

/** While a run follows its Job: answers pings on its Lease; calls `onLost` once if another run took it. */
export function keepLease(input: { view: NamespaceView; objects: RunObjects; claim: Claim; jobName: string; runId: string;
  signal: AbortSignal; onLost: (holder: string) => void }): LeaseKeeper {
  followedHere.add(input.jobName);
  let answering = false;
  let lost = false;
  const look = (lease: V1Lease): void => {
    if (lost || input.signal.aborted || lease.metadata?.name !== input.claim.leaseName) return;
    if ((lease.spec?.holderIdentity ?? "") !== input.runId) {
      // The cache may lag behind our own take-over: only a direct read proves the Lease was lost.
      if (!answering) { answering = true; void confirmLost(input).then((holder) => { if (holder !== null && !lost) { lost = true; input.onLost(holder); } }).finally(() => { answering = false; }); }
      return;
    }
    const ping = lease.metadata?.annotations?.[PING_ANNOTATION];
    if (!ping || ping === lease.metadata?.annotations?.[PONG_ANNOTATION] || answering) return;
    answering = true;
    void answer(input, lease, ping).finally(() => { answering = false; });
  };
  const unsubscribe = input.view.subscribe((event) => {
    if (event.resource === "leases" && event.type !== "DELETED") look(event.object);
  });
  const current = input.view.leases.get(input.claim.leaseName);
  if (current) look(current);
  return {
    stop() {
      unsubscribe();
      followedHere.delete(input.jobName);
    },
  };
}

/** The Lease's holder when it is no longer this run (or "nobody" if it is gone), else null. */
async function confirmLost(input: { objects: RunObjects; claim: Claim; runId: string; signal: AbortSignal }): Promise<string | null> {
  try {
    const lease = await input.objects.getLease(input.claim.leaseName, { signal: input.signal, deadlineMs: 5_000 });
    if (!lease) return "nobody (the Lease was deleted)";
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder === input.runId) { input.claim.lease = lease; return null; }
    return holder || "nobody";
  } catch {
    return null; // unknown is not lost
  }
}

async function answer(input: { objects: RunObjects; claim: Claim; signal: AbortSignal }, seen: V1Lease, ping: string): Promise<void> {
  const body: V1Lease = {
    ...seen,
    metadata: { ...seen.metadata, annotations: { ...seen.metadata?.annotations, [PONG_ANNOTATION]: ping } },
    spec: { ...seen.spec, renewTime: microTime(new Date()) as never },
  };
  // A 409 means the Lease changed again: the informer brings the new version and we look again.
  await input.objects.replaceLease(body, { signal: input.signal }).then((lease) => { input.claim.lease = lease; }, () => undefined);
}

/**
 * Asks the holder of `lease` whether it is alive. Resolves to the Lease as last read when no
 * answer came (the holder is gone; take over from that version), "alive" when it answered, or
 * "changed" when the Lease changed before the ping was written (read it again and decide again).
 */
export async function pingHolder(objects: RunObjects, lease: V1Lease, signal: AbortSignal): Promise<V1Lease | "alive" | "changed"> {
  const token = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const body: V1Lease = { ...lease, metadata: { ...lease.metadata, annotations: { ...lease.metadata?.annotations, [PING_ANNOTATION]: token } } };
  let written: V1Lease;
  try {
    written = await objects.replaceLease(body, { signal });
  } catch (error) {
    if (isConflict(error) || isNotFound(error)) return "changed";
    throw error;
  }
  const until = Date.now() + PING_WAIT_MS;
  while (Date.now() < until) {
    await abortableSleep(250, signal);
    const now = await objects.getLease(written.metadata?.name ?? "", { signal, deadlineMs: 2_000 });
    if (!now) return "changed";
    if (now.metadata?.annotations?.[PONG_ANNOTATION] === token || now.spec?.holderIdentity !== written.spec?.holderIdentity) return "alive";
    if (isReleasedForAdoption(now)) return now;
    written = now;
  }
  return written;
}

/** On leaving a Job for adoption: mark the Lease released so the next run adopts without a ping.
 * A 409 (a contender's ping landed first) is retried on a fresh read while the Lease is still ours. */
export async function releaseForAdoption(objects: RunObjects, claim: Claim, runId: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const body: V1Lease = { ...claim.lease, metadata: { ...claim.lease.metadata, annotations: { ...claim.lease.metadata?.annotations, [RELEASED_ANNOTATION]: runId } } };
    try {
      claim.lease = await objects.replaceLease(body, { signal });
      return;
    } catch (error) {
      if (!isConflict(error)) return;
      const fresh = await objects.getLease(claim.leaseName, { signal, deadlineMs: 5_000 }).catch(() => null);
      if (!fresh || fresh.spec?.holderIdentity !== runId) return;
      claim.lease = fresh;
    }
  }
}

export function isReleasedForAdoption(lease: V1Lease): boolean {
  return Boolean(lease.metadata?.annotations?.[RELEASED_ANNOTATION]);
}
