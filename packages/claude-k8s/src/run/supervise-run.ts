// A launched (or adopted) run, from its first phase to its verdict: the supervisor watches the
// phases, the log follows the container, the keepalive covers quiet stretches; when the
// supervisor ends, the abort reason and the end decide what happens to the Job (finish.ts), the
// log is finished from its exact cursor, and the verdict is read from the facts (verdict.ts).
import type { NamespaceView } from "../kube/informer-registry.ts";
import type { RunObjects } from "../kube/objects.ts";
import { ANNOTATION } from "../spec/labels.ts";
import type { StreamItem } from "../claude/index.ts";
import type { Claimed } from "./claim-run.ts";
import { dispositionFor, endJob, settleCluster } from "./finish.ts";
import type { JobDisposition } from "./finish.ts";
import { RunLog } from "./follow.ts";
import { keepLease } from "./lease-keeper.ts";
import type { LeaseKeeper } from "./lease-keeper.ts";
import type { LogTotals } from "./follow.ts";
import { dateText, describePhase, observe } from "./observe.ts";
import type { Phase, Terminated } from "./observe.ts";
import type { RunRequest } from "./request.ts";
import { CONTAINER } from "./request.ts";
import { emptyTimeline, markTimeline, statusFor } from "./status.ts";
import type { Timeline } from "./status.ts";
import { supervise, SUPERVISE_DEFAULTS } from "./supervise.ts";
import type { SuperviseEnd } from "./supervise.ts";
import { Transcript } from "./transcript.ts";
import { verdict } from "./verdict.ts";
import type { RunReport } from "./verdict.ts";
import { RunWatch } from "./watch-run.ts";

const LOG_END_GRACE_MS = 1_500;
/** A follow stream silent this long is replaced (it may be dead without an error: L3, L9). Long
 * enough that a quiet run (thinking, a slow tool) costs one log request per two minutes, not two a minute. */
const LOG_IDLE_MS = 120_000;

type Context = { request: RunRequest; objects: RunObjects; view: NamespaceView; claimed: Claimed; scope: AbortSignal };

/** Reasons the host aborts with that are not an operator's "stop": leave the Job for adoption (R3). */
const DETACH_REASONS = /legacy controller lease lost|shut ?down|shutting down|SIGTERM/i;

export function isDetachReason(reason: string): boolean {
  return DETACH_REASONS.test(reason);
}

export async function superviseRun(c: Context): Promise<RunReport> {
  const { request, claimed } = c;
  const jobName = claimed.job.metadata?.name ?? request.plan.jobName;
  const watch = new RunWatch({ view: c.view, objects: c.objects, jobName, container: CONTAINER, job: claimed.job, signal: c.scope });
  const transcript = new Transcript(request.host);
  const tuning = request.tuning ?? {};
  let timeline = emptyTimeline(dateText(claimed.job.metadata?.creationTimestamp));
  let last: Phase | null = null;
  const log = new RunLog({
    kubeConfig: request.kubeConfig, namespace: request.namespace, container: CONTAINER,
    onLine: (text) => transcript.line(text),
    // A stream usually ends just before the pod's update says the container exited: wait a moment
    // for it rather than reconnecting (and re-reading) at once.
    containerOver: ({ streamEnded }) => watch.containerOverWithin(streamEnded ? LOG_END_GRACE_MS : 0),
    onDiagnostic: (d) => { if (d.kind === "gap") request.host.status({ type: "k8s.log.gap", level: "warn", message: d.detail, starting: false }); },
    idleTimeoutMs: tuning.logIdleTimeoutMs ?? LOG_IDLE_MS,
    ...(tuning.logDrainTimeoutMs ? { drainTimeoutMs: tuning.logDrainTimeoutMs } : {}),
    ...(tuning.logDrainMaxMs ? { drainMaxMs: tuning.logDrainMaxMs } : {}),
  });
  const lost = new AbortController();
  const keeper = keepLease({ view: c.view, objects: c.objects, claim: claimed.claim, jobName, runId: request.identity.runId, signal: c.scope,
    onLost: (holder) => lost.abort(new Error(`the agent's Lease was taken over by run ${holder}`)) });
  const stopKeepalive = transcript.keepalive(request.config.keepaliveSec * 1000, () => (last ? describePhase(last) : "starting"));
  request.host.status({ type: claimed.adopted ? "k8s.job.adopted" : "k8s.job.created", level: "info", starting: true,
    message: claimed.adopted ? `adopted the live Job ${jobName} left by an earlier run; following its log from the start` : `Job ${jobName} created in namespace ${request.namespace}`,
    payload: { job: jobName, namespace: request.namespace } });
  try {
    const end = await supervise({
      watch, view: c.view, signal: AbortSignal.any([request.signal, c.scope, lost.signal]), settings: superviseSettings(request),
      onPhase: (phase) => {
        last = phase;
        timeline = markTimeline(timeline, phase, new Date(), watch.podName());
        request.host.status(statusFor(phase, jobName, watch.podName()));
        startLogIfReady(log, watch, phase);
      },
    });
    const concluded = await conclude(c, { end, watch, log, transcript, jobName, lostTo: reasonOf(lost.signal), keeper });
    timeline = { ...timeline, pod: watch.podName() ?? timeline.pod, finished: new Date().toISOString() };
    return withDetails(concluded.report, { request, jobName, timeline, totals: concluded.totals, transcript, disposition: concluded.disposition, adopted: claimed.adopted });
  } finally {
    keeper.stop();
    stopKeepalive();
    watch.stop();
    await log.stop();
  }
}

function startLogIfReady(log: RunLog, watch: RunWatch, phase: Phase): void {
  const pod = watch.podName();
  if (log.started || !pod) return;
  if (phase.kind === "running" || phase.kind === "exited" || phase.kind === "podEnded") log.start(pod);
}

function superviseSettings(request: RunRequest) {
  const now = Date.now();
  const t = request.tuning ?? {};
  return {
    startDeadlineAt: now + request.config.scheduleTimeoutSec * 1000,
    runDeadlineAt: request.config.timeoutSec > 0 ? now + request.config.timeoutSec * 1000 : null,
    exitEvidenceMs: t.exitEvidenceMs ?? SUPERVISE_DEFAULTS.exitEvidenceMs,
    unreachableMs: t.unreachableMs ?? SUPERVISE_DEFAULTS.unreachableMs,
    probeEveryMs: t.probeEveryMs ?? SUPERVISE_DEFAULTS.probeEveryMs,
  };
}

type Pieces = { end: SuperviseEnd; watch: RunWatch; log: RunLog; transcript: Transcript; jobName: string; lostTo: string | null; keeper: LeaseKeeper };

async function conclude(c: Context, p: Pieces): Promise<{ report: RunReport; totals: LogTotals; disposition: JobDisposition }> {
  const { request, objects, scope } = c;
  const abortReason = p.lostTo ?? reasonText(request.signal.reason);
  const aborted = request.signal.aborted || p.lostTo !== null;
  const detach = p.lostTo !== null || isDetachReason(abortReason);
  const { end, shutdown } = shutdownView(p.end, aborted && detach, p.watch.snapshot().terminated);
  const disposition = dispositionFor({ end, cancelled: aborted && !detach, shutdown, retainJobs: request.config.retainJobs, abortReason });
  // A run leaving its Job for adoption stops answering liveness pings at once: an adopter that
  // pings while this run is still winding down must hear nothing (soak 777/366, /758, /778).
  if (disposition.action === "leaveForAdoption") p.keeper.stop();
  const before = p.watch.snapshot();
  const ourReason = before.job?.metadata?.annotations?.[ANNOTATION.deleteReason] ?? null;
  const deletedExternally = ourReason === null && (before.jobGone || Boolean(before.job?.metadata?.deletionTimestamp)
    || await killedWithItsJob(objects, p.jobName, before.terminated, scope));
  if (!p.log.started && disposition.action !== "leaveForAdoption") {
    // The informers may never have shown the pod (a watch gap): find it before anything is
    // deleted, so its log is read while the pod still exists (soak 4242/30, /145).
    await p.watch.findPod();
    startLogIfReady(p.log, p.watch, observe(p.watch.snapshot()));
  }
  if (disposition.action === "end") {
    await endJob(objects, p.jobName, disposition.reason, disposition.detail, scope);
    await p.watch.containerOverWithin(Math.min(request.config.graceSec * 1000 + 2_000, 10_000));
  }
  const settleMs = request.tuning?.logSettleMs ?? 1_000;
  if (p.watch.podName() && !p.log.started && p.watch.containerOver()) p.log.start(p.watch.podName() ?? "");
  const followed = disposition.action === "leaveForAdoption" ? await p.log.stop() : await p.log.finish(settleMs);
  // A container that ran but whose log was never read lost its output: say so, never pass silently.
  const neverRead = disposition.action !== "leaveForAdoption" && !p.log.started && p.watch.snapshot().terminated !== null;
  const read = neverRead ? { ...followed, incomplete: true } : followed;
  const totals = headless(p.transcript.items) ? { ...read, gaps: read.gaps + 1 } : read;
  if (totals !== read) {
    request.host.status({ type: "k8s.log.gap", level: "warn", starting: false,
      message: `the log of Job ${p.jobName} was served without its beginning (Claude's init line): lines written before it was first read were rotated away on the node` });
  }
  if (totals.incomplete) {
    // Say it where the operator looks, not only in resultJson (soak seed 2, soak-2-39: the pod was
    // deleted with its log before the log was read, and nothing in the run said so).
    request.host.status({ type: "k8s.log.incomplete", level: "warn", starting: false,
      message: `the log of Job ${p.jobName} could not be read to its end (its pod or log was gone, or the API did not serve it in time): the transcript may be missing lines` });
  }
  const startEvidence = end.kind === "notStarted" ? await explainStart(objects, p.watch, p.jobName, scope) : null;
  await settleCluster({ objects, jobName: p.jobName, claim: c.claimed.claim, disposition, alreadyEnded: disposition.action === "end", leaseLost: p.lostTo !== null, signal: scope });
  const report = verdict({
    end, items: p.transcript.items, ourDelete: disposition.action === "end" ? disposition.reason : null,
    detachedBecause: disposition.action === "leaveForAdoption" && end.kind === "aborted" ? disposition.why : null,
    terminated: p.watch.snapshot().terminated, deletedExternally, startEvidence, logIncomplete: totals.incomplete,
    env: request.classify.env, requestedModel: request.config.model, resumedSessionId: request.classify.resumedSessionId,
    sessionParamsExtra: request.classify.sessionParamsExtra, timeoutSec: request.config.timeoutSec,
    scheduleTimeoutSec: request.config.scheduleTimeoutSec, jobName: p.jobName, now: new Date(),
  });
  return { report, totals, disposition };
}

/**
 * Claude's stream-json always starts with its system/init event. A log whose first event is
 * anything else lost its beginning before it was first read (the node rotated it away): the
 * API cannot say so, the transcript can (soak seed 20261202, run 43: one line rotated, no gap).
 */
export function headless(items: readonly StreamItem[]): boolean {
  const first = items.find((item) => item.kind === "event");
  return first !== undefined && first.kind === "event" && !(first.event.type === "system" && first.event.subtype === "init");
}

/**
 * A container stopped by a signal may have been stopped because someone deleted its Job: the pod's
 * exit can reach the informers before the Job's deletion does, so ask the API (soak seed 2,
 * soak-2-4: a Job deleted mid-run was reported as claude_terminated).
 */
async function killedWithItsJob(objects: RunObjects, jobName: string, terminated: Terminated | null, signal: AbortSignal): Promise<boolean> {
  if (!terminated || !(terminated.exitCode === 143 || (terminated.exitCode === 137 && terminated.reason !== "OOMKilled"))) return false;
  const job = await objects.getJob(jobName, { signal, deadlineMs: 5_000 }).catch(() => undefined);
  if (job === undefined) return false;
  return job === null || (Boolean(job.metadata?.deletionTimestamp) && !job.metadata?.annotations?.[ANNOTATION.deleteReason]);
}

/**
 * A shutdown detaches the run only while its container is still running. Once the container's
 * exit is known the run is over: it is finished here (log drained, verdict from the exit, Job
 * cleaned up) rather than left for an adopter that would find a finished Job and nothing to
 * follow (found by the soak: seed 1, run soak-1-7 was reported "cancelled" and its Job leaked).
 */
export function shutdownView(end: SuperviseEnd, shutdownAbort: boolean, terminated: Terminated | null): { end: SuperviseEnd; shutdown: boolean } {
  if (!shutdownAbort || !terminated) return { end, shutdown: shutdownAbort };
  return { end: end.kind === "aborted" ? { kind: "exited", terminated } : end, shutdown: false };
}

/** The Warning Events that explain why a pod did not start (FailedScheduling, Failed, BackOff). */
async function explainStart(objects: RunObjects, watch: RunWatch, jobName: string, signal: AbortSignal): Promise<string | null> {
  const pod = watch.podName();
  const events = await objects.eventsFor(pod ? "Pod" : "Job", pod ?? jobName, { signal, deadlineMs: 5_000 }).catch(() => []);
  const warnings = events.filter((e) => e.type === "Warning").slice(-3);
  return warnings.length > 0 ? warnings.map((e) => `${e.reason ?? "Warning"}: ${e.message ?? ""}`).join("; ") : null;
}

function withDetails(report: RunReport, d: { request: RunRequest; jobName: string; timeline: Timeline; totals: LogTotals; transcript: Transcript; disposition: JobDisposition; adopted: boolean }): RunReport {
  const k8s = {
    namespace: d.request.namespace, job: d.jobName, adopted: d.adopted, disposition: d.disposition.action, timeline: d.timeline,
    logs: {
      lines: d.totals.lines, reconnects: d.totals.reconnects, gaps: d.totals.gaps, followers: d.totals.followers, incomplete: d.totals.incomplete,
      bytesRead: d.totals.bytesRead, replayedBytes: d.totals.replayedBytes, unreplayedLines: d.totals.unreplayedLines,
      unparsedLines: d.totals.unparsedLines, duplicatesDropped: d.transcript.duplicatesDropped, keepalives: d.transcript.keepalives,
    },
    diagnostics: d.totals.diagnostics,
  };
  const cancelled = report.errorCode === "cancelled" && d.request.signal.aborted;
  const resultJson: Record<string, unknown> = { ...report.resultJson, k8s };
  if (cancelled) resultJson.executionCancellation = { state: "acknowledged", acknowledgedAt: new Date().toISOString(), forced: false };
  return { ...report, resultJson };
}

function reasonOf(signal: AbortSignal): string | null {
  return signal.aborted ? reasonText(signal.reason) : null;
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? "" : String(reason);
}

