// Follows one container's log until the container is over, delivering every line exactly once
// and in order, across dropped, hung and restarted connections (a line that a clock stepped back
// by more than a second kept from a reconnect arrives when a later read reaches back to it). A stream ending is never taken
// as the container ending (DESIGN principle 1): only `containerTerminated()` says that. Then final
// reads from the cursor fill whatever the last stream missed: retried while the API fails
// transiently or hangs, with backoff reset by progress, until a cap on the time without progress
// (the consumer's own time never counts), and always with a real last attempt.
import type { KubeConfig } from "@kubernetes/client-node";
import { DEFAULT_MAX_LINE_BYTES } from "../claude/stream.ts";
import { abortableSleep } from "../kube/retry.ts";
import { LOOKBACK_SECONDS, START_CURSOR, WINDOW_SECONDS, beginRead, isLogCursor, resumeSinceTime } from "./log-cursor.ts";
import type { LogCursor } from "./log-cursor.ts";
import { readLogOnce } from "./log-read.ts";
import type { FollowCounters, FollowState, LogDiagnostic, ReadOutcome, ReadSetup } from "./log-read.ts";
import { createHttpLogTransport } from "./log-transport.ts";
import type { LogTransport } from "./log-transport.ts";

export type { LogDiagnostic } from "./log-read.ts";

export type FollowOptions = {
  /** How to reach the log endpoint; or give `kubeConfig` for the HTTP transport. */
  transport?: LogTransport;
  kubeConfig?: KubeConfig;
  namespace: string;
  pod: string;
  container: string;
  signal: AbortSignal;
  onLine: (text: string) => void | Promise<void>;
  /** The caller's source of truth: the container's `state.terminated`, from the pod status.
   * `streamEnded`: the server ended the response cleanly (as it does when the container exits), so
   * the caller may wait a moment for its status to catch up instead of answering at once. */
  containerTerminated: (hint: { streamEnded: boolean }) => Promise<boolean>;
  /** No bytes for this long while the container may still run → reconnect (L3, L9). Default 30 s. */
  idleTimeoutMs?: number;
  /** After termination, a final read with no bytes for this long is given up (and retried). Default 10 s. */
  drainTimeoutMs?: number;
  /**
   * After termination, the final reads are retried (timeouts, transient errors) until this long
   * passed without progress; the consumer's time does not count. Default 6 × drainTimeoutMs.
   */
  drainMaxMs?: number;
  /** Between reconnects without progress; the first reconnect after progress is immediate. */
  backoff?: { initialMs: number; maxMs: number };
  onDiagnostic?: (diagnostic: LogDiagnostic) => void;
  /** Longer lines are cut (with a mark); memory stays bounded. Default 16 MiB. */
  maxLineBytes?: number;
  /** Where to start (a previous follower's cursor); default the beginning of the log. */
  cursor?: LogCursor;
};

/** terminated: the container ended (and `drained` says whether a final read completed); podGone: 404; denied: 401/403. */
export type FollowEnd = "terminated" | "podGone" | "denied" | "aborted";

/**
 * `lines` delivered; `gaps` reported (each a "gap" diagnostic); `drained`: a final read completed,
 * so everything the API still held after the cursor was delivered; `finalReads`: attempts after
 * termination. The byte and line counters are described on FollowCounters.
 */
export type FollowResult = FollowCounters & { cursor: LogCursor; end: FollowEnd; drained: boolean; finalReads: number };

type Settings = { setup: ReadSetup; terminated: (hint: { streamEnded: boolean }) => Promise<boolean>; idleMs: number; drainMs: number; drainMaxMs: number;
  backoff: { initialMs: number; maxMs: number } };

type Drain = { drained: boolean; finalReads: number };

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
export const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 5_000 };
export const DRAIN_MAX_FACTOR = 6;

/** Resolves (never rejects after an abort) when the container is over, the pod is gone, or the signal aborts. */
export async function followContainerLog(options: FollowOptions): Promise<FollowResult> {
  const settings = settingsFrom(options);
  const state: FollowState = { read: beginRead(options.cursor ?? START_CURSOR), lines: 0, gaps: 0, reconnects: 0,
    bytesRead: 0, replayedLines: 0, replayedBytes: 0, unreplayedLines: 0, unparsedLines: 0 };
  const drain: Drain = { drained: false, finalReads: 0 };
  const end = await followLoop(settings, state, drain);
  const { read, ...counters } = state;
  return { ...counters, cursor: read.cursor, end, drained: drain.drained, finalReads: drain.finalReads };
}

async function followLoop(settings: Settings, state: FollowState, drain: Drain): Promise<FollowEnd> {
  const { setup } = settings;
  let fruitless = 0; // reconnects in a row that delivered nothing
  while (!setup.signal.aborted) {
    const outcome = await readLogOnce(setup, state, { follow: true, timeoutMs: settings.idleMs, final: false,
      lookbackSeconds: LOOKBACK_SECONDS });
    if (outcome.kind === "aborted") break;
    const stop = stopFor(outcome);
    if (stop !== null) {
      setup.diagnose({ kind: "error", detail: `stopped following ${what(setup)}: ${errorText(outcome)}` });
      return stop;
    }
    describe(setup, outcome, settings.idleMs);
    fruitless = outcome.delivered > 0 || outcome.kind === "timedOut" ? 0 : fruitless + 1;
    if (await isTerminated(settings, outcome.kind === "ended")) return await drainLog(settings, state, drain);
    const delayMs = backoffDelay(settings.backoff, fruitless);
    setup.diagnose({ kind: "reconnect", detail: `reconnecting to ${what(setup)} in ${delayMs} ms from `
      + `sinceTime=${resumeSinceTime(state.read.cursor) ?? "(start)"}` });
    if (!(await sleep(delayMs, setup.signal))) break;
    state.reconnects += 1;
  }
  return "aborted";
}

/**
 * Final reads from the cursor after the container terminated. A read that delivered something
 * resets the backoff and the clock; timeouts and transient errors are retried until drainMaxMs of
 * wire and backoff time passed without progress; the last attempt starts before that and gets
 * its full silence bound.
 */
async function drainLog(settings: Settings, state: FollowState, drain: Drain): Promise<FollowEnd> {
  const { setup } = settings;
  let stalledMs = 0;
  let fruitless = 0;
  // Final reads reach back the whole window (lines a clock step kept from earlier requests) until
  // one is cut inside that replay: then they resume as a reconnect does, so they still progress.
  let lookbackSeconds = WINDOW_SECONDS;
  for (;;) {
    drain.finalReads += 1;
    const bytesBefore = state.bytesRead;
    const outcome = await readLogOnce(setup, state, { follow: false, timeoutMs: settings.drainMs, final: true, lookbackSeconds });
    if (outcome.kind === "ended") {
      drain.drained = true;
      return "terminated";
    }
    if (outcome.kind === "aborted") return "aborted";
    const stop = stopFor(outcome);
    if (stop !== null) {
      setup.diagnose({ kind: "error", detail: `stopped reading ${what(setup)}: ${errorText(outcome)}` });
      return stop;
    }
    describe(setup, outcome, settings.drainMs);
    if (outcome.delivered === 0 && state.bytesRead > bytesBefore) lookbackSeconds = LOOKBACK_SECONDS;
    stalledMs = outcome.delivered > 0 ? 0 : stalledMs + outcome.wireMs;
    fruitless = outcome.delivered > 0 ? 0 : fruitless + 1;
    const left = settings.drainMaxMs - stalledMs;
    if (left <= 0 || !retryable(outcome)) {
      setup.diagnose({ kind: "gap", detail: `gave up the final read of ${what(setup)} after ${drain.finalReads} attempt(s) `
        + `(${Math.round(stalledMs)} ms without progress, drainMaxMs=${settings.drainMaxMs}): ${errorText(outcome)}; `
        + `lines after ${state.read.cursor.lastTimestamp ?? "the start"} may be missing` });
      state.gaps += 1;
      return "terminated";
    }
    const delayMs = Math.min(left, backoffDelay(settings.backoff, fruitless));
    if (!(await sleep(delayMs, setup.signal))) return "aborted";
    stalledMs += delayMs;
  }
}

function retryable(outcome: ReadOutcome): boolean {
  return outcome.kind !== "failed" || outcome.error.kind === "transient";
}

function stopFor(outcome: ReadOutcome): FollowEnd | null {
  if (outcome.kind !== "failed") return null;
  if (outcome.error.kind === "notFound") return "podGone";
  if (outcome.error.kind === "forbidden" || outcome.error.kind === "unauthorized") return "denied";
  return null;
}

function describe(setup: ReadSetup, outcome: ReadOutcome, idleMs: number): void {
  if (outcome.kind === "timedOut") {
    setup.diagnose({ kind: "idle", detail: `no bytes from ${what(setup)} for ${idleMs} ms: the connection may be dead` });
  } else if (outcome.kind === "failed") {
    setup.diagnose({ kind: "error", detail: `${what(setup)}: ${outcome.error.message}` });
  }
}

function errorText(outcome: ReadOutcome): string {
  if (outcome.kind === "failed") return outcome.error.message;
  return outcome.kind === "timedOut" ? "timed out" : outcome.kind;
}

async function isTerminated(settings: Settings, streamEnded: boolean): Promise<boolean> {
  const { signal } = settings.setup;
  let onAbort = () => {};
  const aborted = new Promise<boolean>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    // The caller's check may be a slow API call: an abort must not wait for it.
    return signal.aborted ? false : await Promise.race([settings.terminated({ streamEnded }), aborted]);
  } catch (error) {
    if (signal.aborted) return false;
    // Unknown is not "over": keep following, the next stream end asks again.
    settings.setup.diagnose({ kind: "error", detail: `containerTerminated() failed: ${error instanceof Error ? error.message : String(error)}` });
    return false;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** 0 after progress, then initialMs doubling up to maxMs. */
export function backoffDelay(backoff: { initialMs: number; maxMs: number }, fruitless: number): number {
  if (fruitless <= 0) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(fruitless - 1, 30));
}

/** True after `ms`; false at once if the signal aborts (kube/retry's sleep removes its listener). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return abortableSleep(ms, signal).then(() => true, () => false);
}

function what(setup: ReadSetup): string {
  return `the log of ${setup.namespace}/${setup.pod} container ${setup.container}`;
}

function settingsFrom(options: FollowOptions): Settings {
  const transport = options.transport ?? (options.kubeConfig ? createHttpLogTransport(options.kubeConfig) : undefined);
  if (transport === undefined) throw new TypeError("followContainerLog: pass `transport` or `kubeConfig`");
  for (const field of ["namespace", "pod", "container"] as const) {
    if (typeof options[field] !== "string" || options[field] === "") throw new TypeError(`followContainerLog: \`${field}\` must be a non-empty string`);
  }
  if (options.cursor !== undefined && !isLogCursor(options.cursor)) {
    throw new TypeError("followContainerLog: `cursor` must be a FollowResult's cursor (an older shape cannot resume exactly)");
  }
  const idleMs = positive(options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, "idleTimeoutMs");
  const drainMs = positive(options.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS, "drainTimeoutMs");
  const drainMaxMs = positive(options.drainMaxMs, drainMs * DRAIN_MAX_FACTOR, "drainMaxMs");
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  positive(backoff.initialMs, 1, "backoff.initialMs");
  positive(backoff.maxMs, 1, "backoff.maxMs");
  const onDiagnostic = options.onDiagnostic;
  const diagnose = (d: LogDiagnostic) => {
    try { onDiagnostic?.(d); } catch { /* a diagnostics sink must not break the follower */ }
  };
  const setup: ReadSetup = { transport, namespace: options.namespace, pod: options.pod, container: options.container,
    signal: options.signal, onLine: options.onLine, diagnose,
    maxLineBytes: positive(options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, "maxLineBytes") };
  return { setup, terminated: options.containerTerminated, idleMs, drainMs, drainMaxMs, backoff };
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`followContainerLog: \`${field}\` must be a positive number of ms/bytes, got ${value}`);
  return value;
}
