// Pure: a finished run's stream-json items (+ the container's termination) -> ClaudeRunOutcome,
// a structural subset of adapter-utils' AdapterExecutionResult (claude/ imports nothing from it).
import type { StreamItem } from "./events.ts";
import { clip, collectFacts } from "./facts.ts";
import type { RunFacts } from "./facts.ts";
import { missingResultFailure, resultFailure, signalFromExitCode, terminationFailure } from "./failure.ts";
import type { ContainerTermination, ErrorFamily, FailureContext, FailureFields } from "./failure.ts";

export type { ContainerTermination, ErrorFamily } from "./failure.ts";

export type BillingType = "api" | "subscription" | "metered_api";

export interface ClaudeRunOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  errorMessage: string | null;
  errorCode: string | null;
  errorFamily: ErrorFamily | null;
  retryNotBefore: string | null;
  usage?: { inputTokens: number; outputTokens: number; cachedInputTokens: number };
  usageBasis?: "per_run";
  sessionId: string | null;
  sessionParams: Record<string, unknown> | null;
  sessionDisplayId: string | null;
  provider: "anthropic" | "bedrock";
  biller: "anthropic" | "aws_bedrock";
  model: string | null;
  billingType: BillingType;
  costUsd: number | null;
  resultJson: Record<string, unknown> | null;
  summary: string | null;
  clearSession: boolean;
}

export interface ClassifyOptions {
  /** The claude container's state.terminated, when the pod reported it. */
  termination?: ContainerTermination | null;
  /** The environment claude ran with (only auth-selection keys are read). */
  env?: Record<string, string | undefined>;
  /** The session id passed to --resume, if this run resumed one. */
  resumedSessionId?: string | null;
  /** The model asked for, used when the transcript never named one. */
  requestedModel?: string | null;
  /** Extra session params to persist (e.g. workspace identity); sessionId and cwd are added. */
  sessionParamsExtra?: Record<string, unknown>;
  summaryMaxChars?: number;
  now?: Date;
}

function nonEmpty(env: Record<string, string | undefined>, key: string): boolean {
  return (env[key] ?? "").trim() !== "";
}

/** As claude_local decides it: Bedrock is metered, an API key is "api", otherwise a subscription. */
export function billingFor(env: Record<string, string | undefined>): { provider: "anthropic" | "bedrock"; biller: "anthropic" | "aws_bedrock"; billingType: BillingType } {
  const bedrock = env.CLAUDE_CODE_USE_BEDROCK === "1" || env.CLAUDE_CODE_USE_BEDROCK === "true" || nonEmpty(env, "ANTHROPIC_BEDROCK_BASE_URL");
  if (bedrock) return { provider: "bedrock", biller: "aws_bedrock", billingType: "metered_api" };
  return { provider: "anthropic", biller: "anthropic", billingType: nonEmpty(env, "ANTHROPIC_API_KEY") ? "api" : "subscription" };
}

function effectiveExitCode(facts: RunFacts, termination: ContainerTermination | null): number | null {
  if (termination) return termination.exitCode;
  if (facts.result) return facts.result.isError || facts.result.subtype !== "success" ? 1 : 0;
  return null;
}

function signalName(termination: ContainerTermination | null, exitCode: number | null): string | null {
  const s = termination?.signal;
  if (typeof s === "string" && s !== "") return s;
  if (typeof s === "number" && s > 0) return signalFromExitCode(128 + s);
  return signalFromExitCode(exitCode);
}

function summaryOf(facts: RunFacts, max: number): string | null {
  const text = facts.result?.result ?? facts.assistantEvents.flatMap((e) => e.blocks).filter((b) => b.type === "text").map((b) => b.text).join("\n\n");
  return text.trim() === "" ? null : clip(text, max);
}

function decideFailure(ctx: FailureContext): FailureFields | null {
  const byTermination = terminationFailure(ctx);
  if (byTermination) return byTermination;
  if (ctx.facts.result) {
    const byResult = resultFailure(ctx);
    if (byResult) return byResult;
    if (ctx.exitCode !== null && ctx.exitCode !== 0) {
      return { errorCode: "claude_failed", errorMessage: `Claude reported success but the container exited with code ${ctx.exitCode}${ctx.termination?.reason ? ` (${ctx.termination.reason})` : ""}.` };
    }
    return null;
  }
  return missingResultFailure(ctx);
}

function sessionParamsOf(sessionId: string | null, cwd: string | null, extra: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!sessionId) return null;
  return { ...extra, sessionId, ...(cwd ? { cwd } : {}) };
}

export function classifyClaudeRun(items: readonly StreamItem[], options: ClassifyOptions = {}): ClaudeRunOutcome {
  const facts = collectFacts(items);
  const termination = options.termination ?? null;
  const exitCode = effectiveExitCode(facts, termination);
  const failure = decideFailure({ facts, termination, exitCode, resumedSessionId: options.resumedSessionId ?? null, now: options.now ?? new Date() });
  // A session that could not be resumed must not be stored again.
  const sessionId = failure?.clearSession ? null : facts.sessionId;
  const result = facts.result;
  return {
    exitCode,
    signal: signalName(termination, exitCode),
    timedOut: failure?.timedOut ?? false,
    errorMessage: failure?.errorMessage ?? null,
    errorCode: failure?.errorCode ?? null,
    errorFamily: failure?.errorFamily ?? null,
    retryNotBefore: failure?.retryNotBefore ?? null,
    ...(result ? { usage: result.usage, usageBasis: "per_run" as const } : {}),
    sessionId,
    sessionParams: sessionParamsOf(sessionId, facts.cwd, options.sessionParamsExtra),
    sessionDisplayId: sessionId,
    ...billingFor(options.env ?? {}),
    model: facts.model ?? options.requestedModel ?? null,
    costUsd: result?.totalCostUsd ?? null,
    resultJson: result ? { ...result.raw, ...(failure ? { errorCode: failure.errorCode } : {}) } : null,
    summary: summaryOf(facts, options.summaryMaxChars ?? 4000),
    clearSession: failure?.clearSession ?? false,
  };
}
