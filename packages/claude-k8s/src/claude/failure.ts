// Pure: decide what went wrong, from the container's termination and Claude's own events.
// Each rule returns the error fields, or null to let the next rule look.
import type { ResultEvent } from "./events.ts";
import { clip, describePartialRun, outputTail } from "./facts.ts";
import type { RunFacts } from "./facts.ts";

export type ErrorFamily = "transient_upstream" | "provider_quota" | "model_refusal";

export interface ContainerTermination {
  exitCode: number | null;
  /** The kubelet's reason: "OOMKilled", "Error", "Completed", "DeadlineExceeded", "Evicted", ... */
  reason?: string | null;
  signal?: number | string | null;
  message?: string | null;
}

export interface FailureFields {
  errorCode: string;
  errorMessage: string;
  errorFamily?: ErrorFamily;
  retryNotBefore?: string;
  clearSession?: boolean;
  timedOut?: boolean;
}

export interface FailureContext {
  facts: RunFacts;
  termination: ContainerTermination | null;
  exitCode: number | null;
  resumedSessionId: string | null;
  now: Date;
}

const SIGNALS: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 15: "SIGTERM" };

/** Exit codes above 128 mean "killed by signal (code - 128)". */
export function signalFromExitCode(exitCode: number | null): string | null {
  if (exitCode === null || exitCode <= 128 || exitCode > 128 + 64) return null;
  return SIGNALS[exitCode - 128] ?? `signal ${exitCode - 128}`;
}

function resultNote(facts: RunFacts): string {
  const r = facts.result;
  if (!r) return describePartialRun(facts);
  return r.isError ? `Claude's last result was an error (${r.subtype}).` : "Claude had already reported its result (success).";
}

/** Causes outside Claude: the kubelet or the Job controller ended the container. */
export function terminationFailure(ctx: FailureContext): FailureFields | null {
  const reason = ctx.termination?.reason ?? "";
  const code = ctx.exitCode;
  const note = resultNote(ctx.facts);
  if (reason === "OOMKilled" || (code === 137 && reason !== "Error" && reason !== "DeadlineExceeded" && !ctx.facts.result)) {
    return {
      errorCode: "k8s_oom_killed",
      errorMessage: `The claude container ran out of memory (${reason || "exit 137"}): raise resources.limits.memory in the agent's config. ${note}`,
    };
  }
  if (reason === "DeadlineExceeded") {
    return { errorCode: "timeout", timedOut: true, errorMessage: `The run hit its deadline (Job activeDeadlineSeconds, from timeoutSec) and was stopped. ${note}` };
  }
  if (reason === "Evicted") {
    return { errorCode: "k8s_pod_evicted", errorMessage: `The node evicted the pod${ctx.termination?.message ? ` (${ctx.termination.message})` : ""}. ${note}` };
  }
  const signal = signalFromExitCode(code);
  if (signal === "SIGTERM" || signal === "SIGKILL") {
    return {
      errorCode: signal === "SIGTERM" ? "claude_terminated" : "claude_killed",
      errorMessage: `The claude process was stopped by ${signal} (exit ${code}), e.g. the pod was deleted or its node drained. ${note}`,
    };
  }
  return null;
}

const UNKNOWN_SESSION_RE = /no conversation found with session id|session .* not found|--resume requires a valid session|is not a valid uuid/i;
const AUTH_RE = /invalid api key|invalid x-api-key|authentication[_ ](?:error|failed)|please run \/login|not logged in|oauth token (?:has )?expired/i;
const QUOTA_RE = /rate[_ -]?limit|usage limit|quota|too many requests|\b429\b/i;
const TRANSIENT_RE = /overloaded|\b5\d\d\b|connection (?:dropped|refused|reset|error)|econnreset|etimedout|socket hang up|temporarily unavailable|connection_failed/i;
const MODEL_RE = /model[\s_-]*(?:not[\s_-]*found|does not exist)|not_found_error.*model|invalid model/i;

function resultText(r: ResultEvent): string {
  return [r.result ?? "", ...r.errors].filter((t) => t.trim() !== "").join("; ");
}

function apiStatus(ctx: FailureContext): number | null {
  const r = ctx.facts.result;
  return r?.apiErrorStatus ?? ctx.facts.apiErrorMessage?.apiErrorStatus ?? ctx.facts.apiRetries.at(-1)?.errorStatus ?? null;
}

/** When the API asked to wait (retry-after, surfaced by the CLI as the last retry's delay). */
function retryHint(ctx: FailureContext, text: string): string | undefined {
  const seconds = /retry (?:after|in) (\d+) ?s/i.exec(text)?.[1];
  const delayMs = seconds ? Number(seconds) * 1000 : ctx.facts.apiRetries.filter((r) => r.errorStatus === 429).at(-1)?.retryDelayMs;
  return delayMs ? new Date(ctx.now.getTime() + delayMs).toISOString() : undefined;
}

/** The CLI's own diagnostic for a reply with no content and stop_reason null (seen in 2.1.331). */
function reportsEmptyReply(r: ResultEvent): boolean {
  return r.errors.some((e) => /stop_reason=null/.test(e) && /last_content_type=none/.test(e));
}

/** Fallback for CLI versions without that diagnostic: the API billed input yet generated nothing. */
function looksLikeEmptyReply(r: ResultEvent, facts: RunFacts): boolean {
  return r.isError && r.stopReason === null && r.usage.inputTokens > 0 && r.usage.outputTokens === 0 && facts.assistantEvents.length === 0 && !facts.apiErrorMessage;
}

/** Upstream API failures, as the CLI reported them in its result. */
function apiFailure(ctx: FailureContext, r: ResultEvent, text: string): FailureFields | null {
  const status = apiStatus(ctx);
  const type = r.apiErrorType ?? str(ctx.facts.apiErrorMessage?.raw.api_error_type) ?? "";
  const haystack = `${type} ${text}`;
  const model = ctx.facts.model ?? "the configured model";
  if (status === 401 || status === 403 || type === "authentication_error" || type === "permission_error" || AUTH_RE.test(haystack)) {
    return { errorCode: "claude_auth_failed", errorMessage: `The Anthropic API refused the credentials (${status ?? type}): ${text}. Check ANTHROPIC_API_KEY (or the OAuth token) in the agent's env or the Secret it comes from.` };
  }
  if ((status === 404 || type === "not_found_error") && MODEL_RE.test(haystack)) {
    return { errorCode: "model_not_found", errorMessage: `The API does not know the model ${model}: ${text}. Pick a model from the adapter's model list.` };
  }
  if (status === 429 || type === "rate_limit_error" || QUOTA_RE.test(haystack)) {
    const retryNotBefore = retryHint(ctx, text);
    return { errorCode: "provider_quota", errorFamily: "provider_quota", ...(retryNotBefore ? { retryNotBefore } : {}), errorMessage: `The API's rate limit or quota stopped the run: ${text}` };
  }
  if ((status !== null && status >= 500) || type === "overloaded_error" || type === "api_error" || TRANSIENT_RE.test(haystack) || str(r.raw.api_error) === "connection_failed") {
    return { errorCode: "claude_transient_upstream", errorFamily: "transient_upstream", errorMessage: `The model API failed transiently (${status ?? (type || "connection")}): ${text}` };
  }
  return null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Claude reported a result, but not a success. */
export function resultFailure(ctx: FailureContext): FailureFields | null {
  const r = ctx.facts.result;
  if (!r || (r.subtype === "success" && !r.isError)) return null;
  const text = clip(resultText(r) || `subtype ${r.subtype}`, 1000);
  if (r.subtype === "error_max_turns" || r.terminalReason === "max_turns") {
    return { errorCode: "max_turns_exhausted", clearSession: true, errorMessage: `Claude reached its turn limit (${text}); the session is cleared so the next run starts fresh. Raise maxTurnsPerRun if the task needs more turns.` };
  }
  if (UNKNOWN_SESSION_RE.test(text)) {
    const id = ctx.resumedSessionId ?? r.sessionId ?? "the stored session";
    return { errorCode: "claude_session_not_found", clearSession: true, errorMessage: `Claude could not resume session ${id}: "${text}". The stored session is cleared; the next run starts a fresh session.` };
  }
  const empty = { errorCode: "llm_api_error", errorFamily: "transient_upstream" as const, errorMessage: `The model API returned an empty reply (stop_reason null, no output tokens) from ${ctx.facts.model ?? "the model"}: ${text}` };
  if (reportsEmptyReply(r)) return empty;
  const api = apiFailure(ctx, r, text);
  if (api) return api;
  if (looksLikeEmptyReply(r, ctx.facts)) return empty;
  return { errorCode: "claude_failed", errorMessage: `Claude run failed (${r.subtype}${r.terminalReason ? `, ${r.terminalReason}` : ""}): ${text}. ${describePartialRun(ctx.facts)}` };
}

/** No result event: the container failed before any JSON, or the transcript was cut short. */
export function missingResultFailure(ctx: FailureContext): FailureFields {
  const f = ctx.facts;
  const exit = ctx.exitCode === null ? "an unknown exit code" : `exit code ${ctx.exitCode}`;
  if (f.eventCount === 0) {
    const tail = outputTail(f.textLines);
    return {
      errorCode: "claude_start_failed",
      errorMessage: tail
        ? `Claude stopped with ${exit} before producing any stream-json output. Its output ends with:\n${tail}`
        : `Claude stopped with ${exit} and printed nothing: check the image's claude binary and the container's logs.`,
    };
  }
  const tail = f.textLines.length > 0 ? ` Last output lines:\n${outputTail(f.textLines, 4, 600)}` : "";
  return { errorCode: "claude_truncated", errorMessage: `Claude's output ended without a result event (${exit}): the process crashed or was killed mid-run. ${describePartialRun(f)}${tail}` };
}
