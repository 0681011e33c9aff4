// While a run follows its Job it renews the agent's Lease, so other replicas can tell a live
// follower (fresh Lease: refuse) from one that died (stale Lease: the Job may be adopted). A
// renewal is a resourceVersion-guarded update; a 409 whose re-read names another holder means
// the Lease was taken over: the run stops following and leaves the Job to its new holder.
// Jobs followed in this process are also known locally, so a second run here never adopts one.
import type { V1Lease } from "@kubernetes/client-node";
import { isConflict } from "../kube/errors.ts";
import type { RunObjects } from "../kube/objects.ts";
import { abortableSleep } from "../kube/retry.ts";
import { microTime } from "../spec/lease.ts";
import type { Claim } from "./claim.ts";

export const LEASE_RENEW_EVERY_MS = 15_000;

/** Job names some run of this process is following right now. */
const followedHere = new Set<string>();

export function isFollowedHere(jobName: string): boolean {
  return followedHere.has(jobName);
}

export type LeaseKeeper = { stop(): Promise<void> };

/** Renews `claim` every `everyMs` until stopped; calls `onLost` once if another run took it. */
export function keepLease(input: { objects: RunObjects; claim: Claim; jobName: string; runId: string; signal: AbortSignal;
  onLost: (holder: string) => void; everyMs?: number }): LeaseKeeper {
  followedHere.add(input.jobName);
  const stop = new AbortController();
  const signal = AbortSignal.any([input.signal, stop.signal]);
  const loop = (async () => {
    while (!signal.aborted) {
      try {
        await abortableSleep(input.everyMs ?? LEASE_RENEW_EVERY_MS, signal);
      } catch {
        return;
      }
      const lost = await renewOnce(input, signal);
      if (lost !== null) { input.onLost(lost); return; }
    }
  })();
  return {
    async stop() {
      stop.abort();
      await loop;
      followedHere.delete(input.jobName);
    },
  };
}

/** One renewal: null when still ours (or unknown: try again later), else the new holder. */
async function renewOnce(input: { objects: RunObjects; claim: Claim; runId: string }, signal: AbortSignal): Promise<string | null> {
  const current = input.claim.lease;
  const body: V1Lease = { ...current, spec: { ...current.spec, renewTime: microTime(new Date()) as never } };
  try {
    input.claim.lease = await input.objects.replaceLease(body, { signal });
    return null;
  } catch (error) {
    if (!isConflict(error)) return null; // transient: the next tick tries again
    const fresh = await input.objects.getLease(input.claim.leaseName, { signal, deadlineMs: 5_000 }).catch(() => undefined);
    if (fresh === undefined) return null;
    const holder = fresh?.spec?.holderIdentity ?? "";
    if (fresh && holder === input.runId) { input.claim.lease = fresh; return null; }
    return holder || "nobody (the Lease was deleted)";
  }
}

/** On leaving a Job for adoption: mark the Lease expired so the next run may adopt at once. */
export async function releaseForAdoption(objects: RunObjects, claim: Claim, durationSeconds: number, signal: AbortSignal): Promise<void> {
  const expired = new Date(Date.now() - (durationSeconds + 1) * 1000);
  const body: V1Lease = { ...claim.lease, spec: { ...claim.lease.spec, renewTime: microTime(expired) as never } };
  await objects.replaceLease(body, { signal }).then((lease) => { claim.lease = lease; }, () => undefined);
}
