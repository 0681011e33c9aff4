// One retry policy for every Kubernetes call: only the error's kind (from classifyKubeError)
// decides whether to retry; exponential backoff with jitter, capped; Retry-After honoured within
// the cap and the deadline; every wait abortable. Non-retryable errors are rethrown unchanged
// (their classification is `classifyKubeError(error)`).
import { classifyKubeError, KubeAbortError } from "./errors.ts";
import type { KubeError } from "./errors.ts";

export type Sleep = (ms: number, signal: AbortSignal | undefined) => Promise<void>;

export type RetryOptions = {
  signal?: AbortSignal;
  /** Which classified errors to retry; default: transient ones. */
  retryOn?: (error: KubeError) => boolean;
  /** Total attempts including the first; default 6. `Infinity` retries until the deadline or abort. */
  maxAttempts?: number;
  /** Give up (rethrow the last error) once this many ms have passed since the first attempt. */
  deadlineMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: Sleep;
  now?: () => number;
  /** In [0, 1); injected for deterministic tests. */
  random?: () => number;
  onRetry?: (error: KubeError, attempt: number, delayMs: number) => void;
};

type Policy = Required<Omit<RetryOptions, "signal" | "deadlineMs" | "onRetry">> &
  Pick<RetryOptions, "signal" | "deadlineMs" | "onRetry">;

export const RETRY_DEFAULTS = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 10_000 } as const;

/** Runs `operation` until it succeeds, a non-retryable error, the attempt limit, the deadline or abort. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = validateRetryOptions(options);
  const startedAt = policy.now();
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(policy.signal);
    let error: unknown;
    try {
      return await raceAbort(operation(attempt), policy.signal);
    } catch (caught) {
      error = caught;
    }
    throwIfAborted(policy.signal);
    const kubeError = classifyKubeError(error);
    if (!policy.retryOn(kubeError) || attempt >= policy.maxAttempts) throw error;
    const remainingMs = policy.deadlineMs === undefined ? Infinity : policy.deadlineMs - (policy.now() - startedAt);
    if (remainingMs <= 0) throw error;
    const delayMs = retryDelayMs({ attempt, error: kubeError, baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs, remainingMs, random: policy.random() });
    policy.onRetry?.(kubeError, attempt, delayMs);
    await policy.sleep(delayMs, policy.signal);
    throwIfAborted(policy.signal);
  }
}

/**
 * The wait before attempt `attempt + 1`: Retry-After when the server sent one, else "equal
 * jitter" over min(max, base * 2^(attempt-1)); always within [0, min(maxDelayMs, remainingMs)].
 */
export function retryDelayMs(input: { attempt: number; error: Pick<KubeError, "retryAfterMs">; baseDelayMs: number; maxDelayMs: number; remainingMs: number; random: number }): number {
  const cap = Math.min(input.maxDelayMs, Math.max(0, input.remainingMs));
  if (input.error.retryAfterMs !== null) return Math.min(input.error.retryAfterMs, cap);
  const exponential = Math.min(input.maxDelayMs, input.baseDelayMs * 2 ** Math.min(input.attempt - 1, 30));
  const jittered = exponential / 2 + (exponential / 2) * input.random;
  return Math.min(Math.round(jittered), cap);
}

/** Checks the options once, so a mistake shows at the call site rather than mid-retry. */
export function validateRetryOptions(options: RetryOptions): Policy {
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  const baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? Math.max(RETRY_DEFAULTS.maxDelayMs, baseDelayMs);
  if (!(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
    throw new RangeError(`withRetry: maxAttempts must be an integer >= 1 or Infinity, got ${String(maxAttempts)}`);
  }
  requireNonNegative("baseDelayMs", baseDelayMs);
  requireNonNegative("maxDelayMs", maxDelayMs);
  if (maxDelayMs < baseDelayMs) throw new RangeError(`withRetry: maxDelayMs (${maxDelayMs}) must be >= baseDelayMs (${baseDelayMs})`);
  if (options.deadlineMs !== undefined) requireNonNegative("deadlineMs", options.deadlineMs);
  if (maxAttempts === Infinity && options.deadlineMs === undefined && options.signal === undefined) {
    throw new RangeError("withRetry: maxAttempts Infinity needs a deadlineMs or a signal, or it could retry for ever");
  }
  return {
    signal: options.signal, deadlineMs: options.deadlineMs, onRetry: options.onRetry,
    retryOn: options.retryOn ?? ((error) => error.kind === "transient"),
    maxAttempts, baseDelayMs, maxDelayMs,
    sleep: options.sleep ?? abortableSleep, now: options.now ?? Date.now, random: options.random ?? Math.random,
  };
}

function requireNonNegative(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`withRetry: ${name} must be a finite number >= 0, got ${String(value)}`);
  }
}

/** Resolves after `ms`, or rejects with KubeAbortError as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = (): void => finish(() => reject(abortError(signal)));
    const timer = setTimeout(() => finish(resolve), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

function abortError(signal: AbortSignal | undefined): KubeAbortError {
  const reason: unknown = signal?.reason;
  const detail = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
  return new KubeAbortError(detail ? `operation aborted: ${detail}` : "operation aborted");
}

/** Settles with the operation, or rejects at once when the signal aborts first. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
