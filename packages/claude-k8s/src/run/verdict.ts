// Pure: how a run ended, from facts only — the container's exit code and reason, Claude's own
// stream-json, the supervisor's end and the reason we recorded before deleting anything. The
// result is a structural subset of the host's execution result (run/ imports no host types).
import { billingFor, classifyClaudeRun } from "../claude/index.ts";
import type { ClaudeRunOutcome, ContainerTermination, StreamItem } from "../claude/index.ts";
import type { Phase, StartBlock, Terminated } from "./observe.ts";
import { describePhase } from "./observe.ts";
import type { SuperviseEnd } from "./supervise.ts";

export type RunReport = ClaudeRunOutcome;

/** Why the adapter ended a run itself; written on the Job before deleting it. */
export type DeleteReason = "cancelled" | "timeout" | "start-failed";

export type VerdictInput = {
  end: SuperviseEnd;
  items: readonly StreamItem[];
  /** Set when the host stopped following without cancelling (shutdown): the Job runs on. */
  detachedBecause?: string | null;
  /** Set when this run deleted the Job (and why). */
  ourDelete: DeleteReason | null;
  /** The container's exit, if it was seen at any point (also after our delete). */
  terminated: Terminated | null;
  /** The Job was deleted or vanished without a reason of ours. */
  deletedExternally: boolean;
  /** The container's log could not be read to its end (the API would not serve it in time). */
  logIncomplete?: boolean;
  /** Explanation from Events for a run that did not start ("FailedScheduling: 0/1 nodes ..."). */
  startEvidence: string | null;
  env: Record<string, string>;
  requestedModel: string | null;
  resumedSessionId: string | null;
  sessionParamsExtra: Record<string, unknown>;
  timeoutSec: number;
  scheduleTimeoutSec: number;
  jobName: string;
  now: Date;
};

export function verdict(input: VerdictInput): RunReport {
  const termination: ContainerTermination | null = input.terminated
    ? { exitCode: input.terminated.exitCode, reason: input.terminated.reason, signal: input.terminated.signal, message: input.terminated.message }
    : null;
  const outcome = classifyClaudeRun(input.items, {
    termination, env: input.env, requestedModel: input.requestedModel, resumedSessionId: input.resumedSessionId,
    sessionParamsExtra: input.sessionParamsExtra, now: input.now,
  });
  const override = overrideFor(input, outcome);
  return override ? { ...outcome, ...override, exitCode: override.exitCode ?? outcome.exitCode } : outcome;
}

type Override = Partial<RunReport> & { errorCode: string; errorMessage: string };

/** When the cluster's facts say more than Claude's transcript can. Null: Claude's verdict stands. */
function overrideFor(input: VerdictInput, outcome: ClaudeRunOutcome): Override | null {
  const { end } = input;
  const succeeded = outcome.exitCode === 0 && outcome.errorCode === null;
  // Detached means the Job and Lease were left for an adopter, which reports the result; an exit
  // seen while detaching does not make this run the one that reports it (soak seed 2, soak-2-15).
  if (input.detachedBecause) {
    return { errorCode: "k8s_run_detached", exitCode: null, errorMessage: `This run stopped following its Job because ${input.detachedBecause}; the Job ${input.jobName} and the agent's Lease were left running, so a later run for the same task and session adopts it and reports its result.` };
  }
  if (input.ourDelete === "timeout" || end.kind === "deadline") {
    return { errorCode: "timeout", timedOut: true, errorMessage: `The run passed its deadline (timeoutSec=${input.timeoutSec}); the Job ${input.jobName} was deleted (reason recorded on it). ${lastSeen(end)}` };
  }
  if (input.ourDelete === "cancelled" || end.kind === "aborted") {
    return { errorCode: "cancelled", errorMessage: `The run was cancelled; the Job ${input.jobName} was deleted.` };
  }
  if (end.kind === "notStarted") return notStarted(input, end.block, end.last);
  if (input.logIncomplete && (outcome.errorCode === "claude_truncated" || outcome.errorCode === "claude_start_failed")) {
    const exit = input.terminated ? `exited with code ${input.terminated.exitCode}${input.terminated.reason ? ` (${input.terminated.reason})` : ""}` : "ended";
    return { errorCode: "k8s_log_incomplete", errorMessage: `The claude container ${exit}, but the API server did not serve its log to the end within the drain bound, so Claude's result could not be read; the transcript may be missing its last lines (see resultJson.k8s.diagnostics).` };
  }
  if (end.kind === "unreachable") {
    return { errorCode: "k8s_api_unreachable", exitCode: null, errorMessage: `The Kubernetes API could not be read for too long (${end.error}); the Job ${input.jobName} and the agent's Lease were kept, so a later run with the same task and session adopts it. ${lastSeen(end)}` };
  }
  if (input.deletedExternally && !succeeded) {
    const exit = input.terminated ? `the container then exited with code ${input.terminated.exitCode}${input.terminated.reason ? ` (${input.terminated.reason})` : ""}` : "no exit status was seen";
    return { errorCode: "k8s_job_deleted_externally", errorMessage: `The Job ${input.jobName} was deleted by someone else (TTL, a person or another controller) while the run was in progress; ${exit}. ${lastSeen(end)}` };
  }
  if (end.kind === "jobFailed" && !input.terminated) {
    if (end.reason === "DeadlineExceeded") return { errorCode: "timeout", timedOut: true, errorMessage: `The Job hit its activeDeadlineSeconds backstop before the container reported an exit: ${end.message}` };
    return { errorCode: "k8s_job_failed", errorMessage: `The Job ${input.jobName} failed (${end.reason}${end.message ? `: ${end.message}` : ""}) before its container reported an exit.` };
  }
  // A Succeeded pod means every container exited 0: with Claude's own success, nothing failed
  // (soak seed 2, soak-2-69: the pod was evicted right after it succeeded, before its terminated
  // state was seen, and the run was reported as k8s_pod_failed).
  // Claude's own failure result names the cause better than a missing exit status (soak seed 4242,
  // run 694: the pod was deleted at its exit; Claude had reported its failure).
  const claudeReportedFailure = outcome.resultJson !== null && outcome.errorCode !== null;
  if (end.kind === "podEnded" && !input.terminated && !(end.podPhase === "Succeeded" && succeeded) && !claudeReportedFailure) {
    return { errorCode: "k8s_pod_failed", errorMessage: `The pod ended (${end.podPhase}${end.reason ? `, ${end.reason}` : ""}) but its container never reported an exit status.` };
  }
  return null;
}

const START_CODES: Record<StartBlock["cause"], string> = {
  unschedulable: "k8s_unschedulable",
  imagePull: "k8s_image_pull_failed",
  createContainer: "k8s_container_create_failed",
  initFailed: "k8s_init_failed",
  crashLoop: "k8s_crash_loop",
};

function notStarted(input: VerdictInput, block: StartBlock | null, last: Phase): Override {
  const code = block ? START_CODES[block.cause] : "k8s_start_timeout";
  const why = block ? block.message : describePhase(last);
  const evidence = input.startEvidence ? ` Events: ${input.startEvidence}.` : "";
  const kept = input.ourDelete === "start-failed"
    ? `The Job ${input.jobName} was deleted (it could not start).`
    : `The Job ${input.jobName} was left in place because it could still start; a later run for the same task and session adopts it, or delete it with: kubectl delete job ${input.jobName}.`;
  return { errorCode: code, exitCode: null, errorMessage: `The claude container did not start within scheduleTimeoutSec=${input.scheduleTimeoutSec}: ${why}.${evidence} ${kept}` };
}

function lastSeen(end: SuperviseEnd): string {
  const last = "last" in end ? end.last : null;
  return last ? `Last seen: ${describePhase(last)}.` : "";
}

/** Can a pod blocked this way still start by itself (so its Job is kept for adoption)? */
export function couldStillStart(block: StartBlock | null): boolean {
  return block === null || block.cause === "unschedulable";
}

/** A run that ended before anything ran (refused, not launched): the host's failure shape. */
export function failureReport(errorCode: string, errorMessage: string, env: Record<string, string>): RunReport {
  return {
    exitCode: null, signal: null, timedOut: false, errorMessage, errorCode, errorFamily: null, retryNotBefore: null,
    sessionId: null, sessionParams: null, sessionDisplayId: null, ...billingFor(env), model: null, costUsd: null,
    resultJson: null, summary: null, clearSession: false,
  };
}
