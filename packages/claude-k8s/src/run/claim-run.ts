// The start of a run: take the agent's lock and launch a Job, or adopt the live Job an earlier
// run of the same task and session left behind (R1), or refuse with a message that names the
// live Job, its run, its age and how to end it (R2, R4). Nothing is created when the lock
// cannot be read (R5) or the run was cancelled before launch.
import type { V1Job, V1Lease } from "@kubernetes/client-node";
import type { RunObjects } from "../kube/objects.ts";
import { ANNOTATION, LABEL } from "../spec/labels.ts";
import { toLabelValue } from "../spec/names.ts";
import { claimAgent, releaseClaim, runOfJob, takeOverLease } from "./claim.ts";
import type { Claim, ClaimRequest } from "./claim.ts";
import { launchRun } from "./launch.ts";
import { timeMs } from "./observe.ts";
import { isFollowedHere, isReleasedForAdoption, pingHolder } from "./lease-keeper.ts";
import type { RunRequest } from "./request.ts";
import { failureReport } from "./verdict.ts";
import type { RunReport } from "./verdict.ts";

export type Claimed = { kind: "claimed"; job: V1Job; claim: Claim; adopted: boolean; secretOwned: boolean };
export type Refused = { kind: "refused"; report: RunReport };

export async function claimRun(input: { request: RunRequest; objects: RunObjects; scope: AbortSignal }): Promise<Claimed | Refused> {
  const { request, objects } = input;
  const signal = AbortSignal.any([request.signal, input.scope]);
  const claimRequest: ClaimRequest = {
    objects, agentId: request.identity.agentId, companyId: request.identity.companyId,
    runId: request.identity.runId, jobName: request.plan.jobName, signal,
    ...(request.tuning?.claimReadDeadlineMs !== undefined ? { readDeadlineMs: request.tuning.claimReadDeadlineMs } : {}),
    adoptable: (job) => request.config.reattachOrphanedJobs && isSameWork(job, request.identity),
  };
  const outcome = await claimAgent(claimRequest);
  const refuse = (code: string, message: string): Refused => ({ kind: "refused", report: refusal(code, message, request) });
  if (request.signal.aborted) {
    if (outcome.kind === "claimed") await releaseClaim(objects, outcome.claim, input.scope);
    return refuse("cancelled", "The run was cancelled before its Job was created; nothing was created.");
  }
  switch (outcome.kind) {
    case "unreachable":
      return refuse("k8s_concurrency_guard_unreachable", `Could not read agent ${request.identity.agentId}'s Lease and Jobs in namespace ${objects.namespace} `
        + `(${outcome.error.message}), so it cannot be known whether another run is live; no Job was created. Check that the API server is reachable and the server may get/create/update leases and list jobs there.`);
    case "busy":
      return refuse("k8s_concurrent_run_blocked", `Agent ${request.identity.agentId} is being started by another run (${outcome.message}); no Job was created. Try again in a minute.`);
    case "held":
      return adoptOrRefuse(input, claimRequest, outcome.job, outcome.lease, refuse);
    case "claimed":
      return launch(input, outcome.claim, refuse);
  }
}

async function launch(input: { request: RunRequest; objects: RunObjects; scope: AbortSignal }, claim: Claim,
  refuse: (code: string, message: string) => Refused): Promise<Claimed | Refused> {
  const { request, objects } = input;
  const launched = await launchRun({
    objects, secret: request.plan.secret, job: request.plan.job, signal: AbortSignal.any([request.signal, input.scope]),
    onDispatch: () => request.host.dispatch(),
  });
  if (!launched.ok) {
    await releaseClaim(objects, claim, input.scope);
    if (request.signal.aborted) return refuse("cancelled", "The run was cancelled while its Job was being created; nothing was left behind.");
    return refuse("k8s_job_create_failed", `Could not create the run's ${launched.stage === "secret" ? "Secret" : "Job"} in namespace ${objects.namespace}: `
      + `${launched.error.message}${launched.error.kind === "forbidden" ? " (grant the server's service account the verbs in deploy/rbac.yaml)" : ""}. Nothing was left behind.`);
  }
  return { kind: "claimed", job: launched.launched.job, claim, adopted: false, secretOwned: launched.launched.secretOwned };
}

/** A refusal; a cancellation is acknowledged to the host even when nothing had started. */
function refusal(code: string, message: string, request: RunRequest): RunReport {
  const report = failureReport(code, message, request.classify.env);
  if (code !== "cancelled") return report;
  return { ...report, resultJson: { executionCancellation: { state: "acknowledged", acknowledgedAt: new Date().toISOString(), forced: false } } };
}

/** Same agent, task and session: the earlier run's work is this run's work. */
export function isSameWork(job: V1Job, identity: RunRequest["identity"]): boolean {
  const a = job.metadata?.annotations ?? {};
  const same = (raw: string | undefined, mine: string | null | undefined): boolean => (raw ?? "") === (mine ?? "");
  return same(a[ANNOTATION.agentId], identity.agentId) && same(a[ANNOTATION.taskId], identity.taskId) && same(a[ANNOTATION.sessionId], identity.sessionId);
}

async function adoptOrRefuse(input: { request: RunRequest; objects: RunObjects; scope: AbortSignal }, claimRequest: ClaimRequest, job: V1Job,
  lease: V1Lease | null, refuse: (code: string, message: string) => Refused): Promise<Claimed | Refused> {
  const { request, objects } = input;
  const name = job.metadata?.name ?? "";
  if (!request.config.reattachOrphanedJobs || !isSameWork(job, request.identity)) {
    return refuse("k8s_concurrent_run_blocked", blockedMessage(job, objects.namespace, request.config.reattachOrphanedJobs ? "it belongs to another task or session" : "reattachOrphanedJobs is off"));
  }
  // Only an orphan is adopted: a run still following the Job (here, or answering pings elsewhere) keeps it.
  const orphanLease = await orphanedLease(objects, name, lease, input.scope);
  if (orphanLease === "alive") {
    const holder = lease?.spec?.holderIdentity ?? runOfJob(job) ?? "unknown";
    return refuse("k8s_concurrent_run_blocked", blockedMessage(job, objects.namespace, `run ${holder} is still following it (it answered a liveness ping on the agent's Lease)`));
  }
  const claim = await takeOverLease({ ...claimRequest, jobName: name }, orphanLease);
  if (!claim) return refuse("k8s_concurrent_run_blocked", `Another run took over Job ${name} first; this run created nothing.`);
  const runId = request.identity.runId;
  const relabel = { metadata: { labels: { [LABEL.runId]: toLabelValue(runId) }, annotations: { [ANNOTATION.runId]: runId, "paperclip.io/adopted-from": runOfJob(job) ?? "" } } };
  const adopted = await objects.patchJob(name, relabel, { signal: input.scope, deadlineMs: 10_000 }).catch(() => null);
  if (!adopted) {
    await releaseClaim(objects, claim, input.scope);
    return refuse("k8s_concurrent_run_blocked", `Job ${name} could not be adopted (it vanished or could not be relabelled); this run created nothing.`);
  }
  return { kind: "claimed", job: adopted, claim, adopted: true, secretOwned: true };
}

/** The Lease to take over when the Job's follower is gone, or "alive" when it answers (or is here).
 * A Lease that changes under the ping (its holder releasing it, another contender) is read again. */
async function orphanedLease(objects: RunObjects, jobName: string, lease: V1Lease | null, signal: AbortSignal): Promise<V1Lease | null | "alive"> {
  if (isFollowedHere(jobName)) return "alive";
  let current = lease;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (current === null || isReleasedForAdoption(current)) return current;
    const answer = await pingHolder(objects, current, signal).catch(() => "alive" as const);
    if (answer !== "changed") return answer;
    const fresh = await objects.getLease(current.metadata?.name ?? "", { signal, deadlineMs: 5_000 }).catch(() => "unreadable" as const);
    if (fresh === "unreadable") return "alive"; // unknown is not orphaned
    current = fresh;
  }
  return "alive";
}

function blockedMessage(job: V1Job, namespace: string, why: string): string {
  const name = job.metadata?.name ?? "";
  const created = timeMs(job.metadata?.creationTimestamp);
  const ageSec = created ? Math.max(0, Math.round((Date.now() - created) / 1000)) : null;
  const task = job.metadata?.annotations?.[ANNOTATION.taskId];
  return `Agent already has a live Job ${namespace}/${name} (run ${runOfJob(job) ?? "unknown"}${task ? `, task ${task}` : ""}`
    + `${ageSec !== null ? `, started ${ageSec} s ago` : ""}); it keeps running and this run created nothing (${why}). `
    + `To end it: cancel that run in Paperclip, or kubectl -n ${namespace} delete job ${name}.`;
}
