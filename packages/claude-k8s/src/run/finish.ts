// Finish: what is done to the cluster when a run ends. Delete only what we mean to end — on an
// operator's cancellation, on our own deadline, for a pod that can never start, or when the run
// is over and retention is off — and record why on the Job first (DESIGN principle 5). Leave the
// Job and the Lease for adoption when the run is not over (shutdown, API unreachable, a pod that
// may still start). Which of these applies is decided here, in one table.
import type { RunObjects } from "../kube/objects.ts";
import { ANNOTATION } from "../spec/labels.ts";
import { releaseClaim } from "./claim.ts";
import { releaseForAdoption } from "./lease-keeper.ts";
import type { Claim } from "./claim.ts";
import type { SuperviseEnd } from "./supervise.ts";
import type { DeleteReason } from "./verdict.ts";
import { couldStillStart } from "./verdict.ts";

/** What the run does with its Job: end it for a reason, clean it up, keep it, or leave it alone. */
export type JobDisposition =
  | { action: "end"; reason: DeleteReason; detail: string }
  | { action: "cleanUp" }
  | { action: "keep" }
  | { action: "leaveForAdoption"; why: string };

export type EndContext = { end: SuperviseEnd; cancelled: boolean; shutdown: boolean; retainJobs: boolean; abortReason: string };

export function dispositionFor(c: EndContext): JobDisposition {
  if (c.shutdown) return { action: "leaveForAdoption", why: `the host stopped this run without cancelling it (${c.abortReason})` };
  if (c.cancelled) return { action: "end", reason: "cancelled", detail: c.abortReason };
  switch (c.end.kind) {
    case "deadline": return { action: "end", reason: "timeout", detail: "timeoutSec passed" };
    case "unreachable": return { action: "leaveForAdoption", why: "the Kubernetes API could not be read" };
    case "notStarted":
      return couldStillStart(c.end.block)
        ? { action: "leaveForAdoption", why: "its pod could still start" }
        : { action: "end", reason: "start-failed", detail: c.end.block?.message ?? "did not start" };
    case "aborted": return { action: "end", reason: "cancelled", detail: c.abortReason };
    default: return c.retainJobs ? { action: "keep" } : { action: "cleanUp" };
  }
}

/** Records the reason on the Job, then deletes it (Background: its pod and Secret follow). */
export async function endJob(objects: RunObjects, jobName: string, reason: DeleteReason, detail: string, signal: AbortSignal): Promise<void> {
  const value = `${reason}: ${detail}`.slice(0, 1000);
  await objects.patchJob(jobName, { metadata: { annotations: { [ANNOTATION.deleteReason]: value } } }, { signal, deadlineMs: 10_000 }).catch(() => null);
  await objects.deleteJob(jobName, { signal, deadlineMs: 10_000 }).catch(() => false);
}

/** Applies the disposition; releases the Lease unless the Job is left for adoption. */
export async function settleCluster(input: {
  objects: RunObjects; jobName: string; claim: Claim; disposition: JobDisposition; alreadyEnded: boolean; leaseLost: boolean; signal: AbortSignal;
}): Promise<void> {
  const { objects, jobName, disposition, signal } = input;
  if (disposition.action === "leaveForAdoption") {
    // Ours to hand over (not taken by someone else): expired, so the next run may adopt at once.
    if (!input.leaseLost) await releaseForAdoption(objects, input.claim, input.claim.lease.spec?.holderIdentity ?? "", signal);
    return;
  }
  if (disposition.action === "end" && !input.alreadyEnded) await endJob(objects, jobName, disposition.reason, disposition.detail, signal);
  if (disposition.action === "cleanUp") await objects.deleteJob(jobName, { signal, deadlineMs: 10_000 }).catch(() => false);
  await releaseClaim(objects, input.claim, signal);
}

