// Claim: one live Job per agent, across every Paperclip replica. The agent's Lease is the lock;
// the API server's create (409 = taken) and resourceVersion-guarded update (409 = someone wrote
// first) make taking it atomic. A live Job of the agent holds the lock whether or not the Lease
// names it (a crash between steps), and a fresh Lease whose Job is not visible yet means a claim
// is in progress elsewhere. Reads go to the API, never to a cache (R11); if the API cannot be
// read the answer is "unreachable" and the caller creates nothing (R5).
import type { V1Job, V1Lease } from "@kubernetes/client-node";
import { classifyKubeError, isAlreadyExists, isConflict } from "../kube/errors.ts";
import type { KubeError } from "../kube/errors.ts";
import type { RunObjects } from "../kube/objects.ts";
import { withRetry } from "../kube/retry.ts";
import { ANNOTATION, LABEL, leaseLabels, selectorForAgent } from "../spec/labels.ts";
import { buildLease, isJobLive, isLeaseHeld } from "../spec/lease.ts";
import { agentLeaseName } from "../spec/names.ts";
import { timeMs } from "./observe.ts";

/** Long enough for Secret + Job creation under API retries: a fresh Lease whose Job does not exist yet
 * blocks others this long. Whether a holder with a live Job is alive is asked with a ping (lease-keeper.ts). */
export const LEASE_DURATION_SECONDS = 60;
const READ_DEADLINE_MS = 10_000;
const ATTEMPTS = 4;

export type ClaimRequest = {
  objects: RunObjects;
  agentId: string;
  companyId: string;
  runId: string;
  /** The Job this run will create (the Lease names it). */
  jobName: string;
  signal: AbortSignal;
  now?: () => Date;
  /** Bound on the reads before failing closed; default READ_DEADLINE_MS. */
  readDeadlineMs?: number;
  /** Whether a finished Job left for adoption is this run's to adopt (same work). */
  adoptable?: (job: V1Job) => boolean;
};

export type Claim = { lease: V1Lease; leaseName: string };

export type ClaimOutcome =
  | { kind: "claimed"; claim: Claim }
  /** A live Job holds the agent: adopt it or refuse (the caller's policy). */
  | { kind: "held"; job: V1Job; lease: V1Lease | null }
  /** Another run holds a fresh Lease and is creating its Job right now. */
  | { kind: "busy"; holder: string; message: string }
  | { kind: "unreachable"; error: KubeError };

export async function claimAgent(request: ClaimRequest): Promise<ClaimOutcome> {
  // The Lease's create and update are not retried by RunObjects (a lost answer must be re-read,
  // not re-sent): a transient failure re-runs the whole read-then-write step within the read
  // deadline. Re-reading is safe: a create that did land shows as our own Lease and is renewed.
  // (Found by the soak: seed 2, runs soak-2-18/29, a 503 burst made a claim fail closed at once.)
  const retry = { signal: request.signal, deadlineMs: request.readDeadlineMs ?? READ_DEADLINE_MS, maxAttempts: Infinity };
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const outcome = await withRetry(() => claimOnce(request), retry);
      if (outcome !== "raced") return outcome;
    }
    return { kind: "busy", holder: "another run", message: `the Lease ${agentLeaseName(request.agentId)} kept changing while this run tried to take it` };
  } catch (error) {
    return { kind: "unreachable", error: classifyKubeError(error) };
  }
}

async function claimOnce(request: ClaimRequest): Promise<ClaimOutcome | "raced"> {
  const { objects, signal } = request;
  const name = agentLeaseName(request.agentId);
  const read = { signal, deadlineMs: request.readDeadlineMs ?? READ_DEADLINE_MS };
  const [lease, jobs] = await Promise.all([objects.getLease(name, read), objects.listJobs(selectorForAgent(request.agentId), read)]);
  const holder = liveHolder(jobs, lease);
  if (holder) return { kind: "held", job: holder, lease };
  const left = finishedButUnreported(jobs, lease);
  if (left && request.adoptable?.(left)) return { kind: "held", job: left, lease };
  const now = (request.now ?? (() => new Date()))();
  if (lease && isClaimInProgress(lease, jobs, request.runId, now)) {
    const who = lease.spec?.holderIdentity ?? "another run";
    return { kind: "busy", holder: who, message: `run ${who} took the agent's Lease ${name} ${ageText(lease, now)} and is creating its Job` };
  }
  return takeLease(request, lease, now);
}

/** The live Job the Lease names, else any other live Job of the agent (oldest first). */
export function liveHolder(jobs: readonly V1Job[], lease: V1Lease | null): V1Job | null {
  const live = jobs.filter(isJobLive);
  const named = lease?.metadata?.annotations?.[ANNOTATION.jobName];
  const byLease = live.find((job) => job.metadata?.name === named);
  if (byLease) return byLease;
  return [...live].sort((a, b) => timeMs(a.metadata?.creationTimestamp) - timeMs(b.metadata?.creationTimestamp))[0] ?? null;
}

/**
 * The Job the Lease still names, finished but not deleted. Every run that reports its result
 * releases the Lease, so a Lease naming a finished Job was left by a run that stopped following
 * (a shutdown, an unreachable API, a crash) before the container ended: its result was never
 * reported, and the next run of the same work must adopt it rather than run the work again
 * (found by the soak: seed 1, run soak-1-7).
 */
export function finishedButUnreported(jobs: readonly V1Job[], lease: V1Lease | null): V1Job | null {
  const named = lease?.metadata?.annotations?.[ANNOTATION.jobName];
  if (!named) return null;
  const job = jobs.find((j) => j.metadata?.name === named);
  return job && !job.metadata?.deletionTimestamp && !isJobLive(job) ? job : null;
}

/** A fresh Lease held by someone else whose Job does not exist yet (it may be being created). */
export function isClaimInProgress(lease: V1Lease, jobs: readonly V1Job[], runId: string, now: Date): boolean {
  if (lease.spec?.holderIdentity === runId) return false;
  const named = lease.metadata?.annotations?.[ANNOTATION.jobName];
  const jobExists = jobs.some((job) => job.metadata?.name === named);
  return !jobExists && isLeaseHeld(lease, now);
}

async function takeLease(request: ClaimRequest, current: V1Lease | null, now: Date): Promise<ClaimOutcome | "raced"> {
  const { objects, signal } = request;
  const name = agentLeaseName(request.agentId);
  const body = leaseFor(request, name, now);
  try {
    if (!current) return { kind: "claimed", claim: { lease: await objects.createLease(body, { signal }), leaseName: name } };
    body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
    return { kind: "claimed", claim: { lease: await objects.replaceLease(body, { signal }), leaseName: name } };
  } catch (error) {
    if (isAlreadyExists(error) || isConflict(error)) return "raced";
    throw error;
  }
}

export function leaseFor(request: Pick<ClaimRequest, "objects" | "agentId" | "companyId" | "runId" | "jobName">, name: string, now: Date): V1Lease {
  return buildLease({
    name, namespace: request.objects.namespace, holderIdentity: request.runId, leaseDurationSeconds: LEASE_DURATION_SECONDS, now,
    labels: leaseLabels(request.agentId, request.companyId),
    annotations: { [ANNOTATION.jobName]: request.jobName, [ANNOTATION.agentId]: request.agentId, [ANNOTATION.runId]: request.runId },
  });
}

/**
 * Adoption: this run takes over the Lease for a Job an earlier run left (same agent), guarded
 * by the Lease's resourceVersion, or creates the Lease if the crash came before it existed.
 */
export async function takeOverLease(request: ClaimRequest, current: V1Lease | null): Promise<Claim | null> {
  const now = (request.now ?? (() => new Date()))();
  const name = agentLeaseName(request.agentId);
  const read = { signal: request.signal, deadlineMs: request.readDeadlineMs ?? READ_DEADLINE_MS };
  let lease = current;
  try {
    // A transient failure is retried after a fresh read: the write may have landed (the Lease is
    // then ours already) or not (write again on the new version). Only a real race loses
    // (soak seed 2, soak-2-13: a 503 during adoption refused the adopter and leaked the Job).
    return await withRetry(async (attempt) => {
      if (attempt > 1) {
        lease = await request.objects.getLease(name, read);
        if (lease?.spec?.holderIdentity === request.runId) return { lease, leaseName: name };
      }
      const outcome = await takeLease(request, lease, now);
      return outcome !== "raced" && outcome.kind === "claimed" ? outcome.claim : null;
    }, { ...read, maxAttempts: Infinity });
  } catch {
    return null;
  }
}

/** Releases only the Lease version this run wrote; anything newer belongs to someone else. */
export async function releaseClaim(objects: RunObjects, claim: Claim, signal: AbortSignal): Promise<void> {
  await objects.deleteLease(claim.leaseName, claim.lease.metadata?.resourceVersion, { signal, deadlineMs: 10_000 }).catch(() => undefined);
}

function ageText(lease: V1Lease, now: Date): string {
  const at = timeMs(lease.spec?.renewTime);
  return at === 0 ? "recently" : `${Math.max(0, Math.round((now.getTime() - at) / 1000))} s ago`;
}

/** For messages: which run a Job belongs to, from its annotation (raw) or label. */
export function runOfJob(job: V1Job): string | null {
  return job.metadata?.annotations?.[ANNOTATION.runId] ?? job.metadata?.labels?.[LABEL.runId] ?? null;
}
