// One read of a container's log (a follow stream or the final non-follow read): bytes → lines
// (UTF-8 safe across chunks, long lines bounded) → the cursor decides → the line is delivered.
// Whatever happens is returned as an outcome, never thrown: the follower's loop decides.
import { ByteLineSplitter } from "../claude/stream.ts";
import { classifyKubeError } from "../kube/errors.ts";
import type { KubeError } from "../kube/errors.ts";
import { WINDOW_SECONDS, admit, beginRead, endRead, parseStampedLine, resumeMayMissLines, resumeSinceTime, sinceTimeOf }
  from "./log-cursor.ts";
import type { LogGap, LogRead } from "./log-cursor.ts";
import type { LogTransport } from "./log-transport.ts";

export type LogDiagnostic = { kind: "reconnect" | "gap" | "idle" | "error"; detail: string };

/** Counts across all reads of one follower (they go into its result). */
export type FollowCounters = {
  lines: number;
  reconnects: number;
  gaps: number;
  /** Response bytes received, replays included. */
  bytesRead: number;
  /** Lines (and their bytes) a reconnect replayed and the cursor dropped as already delivered. */
  replayedLines: number;
  replayedBytes: number;
  /** Delivered lines a replay no longer held (rotated away): each such gap may hide lost output. */
  unreplayedLines: number;
  /** Lines without a valid timestamp prefix (reported, not delivered). */
  unparsedLines: number;
};

/** What the follower keeps across reads; `read.cursor` is moved only through admit(). */
export type FollowState = FollowCounters & { read: LogRead };

export type ReadSetup = {
  transport: LogTransport;
  namespace: string;
  pod: string;
  container: string;
  signal: AbortSignal;
  maxLineBytes: number;
  onLine: (text: string) => void | Promise<void>;
  diagnose: (diagnostic: LogDiagnostic) => void;
};

export type ReadMode = {
  follow: boolean;
  /** No bytes for this long → give up on the connection. The consumer's time does not count. */
  timeoutMs: number;
  /** The final read of a terminated container: its log is complete, so a last unterminated line counts. */
  final: boolean;
  /** How far before the last line's second to resume (log-cursor's LOOKBACK_SECONDS or WINDOW_SECONDS). */
  lookbackSeconds: number;
};

/** `wireMs`: how long the read took without the time spent in the consumer's onLine. */
export type ReadOutcome =
  | { kind: "ended"; delivered: number; wireMs: number }
  | { kind: "timedOut"; delivered: number; wireMs: number }
  | { kind: "aborted"; delivered: number; wireMs: number }
  | { kind: "failed"; delivered: number; wireMs: number; error: KubeError };

/** Opens one request from the cursor and delivers what it admits until the response ends. */
export async function readLogOnce(setup: ReadSetup, state: FollowState, mode: ReadMode): Promise<ReadOutcome> {
  const attempt = new AbortController();
  const signal = AbortSignal.any([setup.signal, attempt.signal]);
  const watch = new SilenceWatch(mode.timeoutMs, () => attempt.abort());
  // A new request replays the delivered lines from its resume second: expect them afresh.
  state.read = beginRead(state.read.cursor, mode.lookbackSeconds);
  if (mode.lookbackSeconds < WINDOW_SECONDS && resumeMayMissLines(state.read.cursor)) reportClockBehind(setup, state);
  const splitter = new ByteLineSplitter(setup.maxLineBytes);
  const before = state.lines;
  const result = (kind: "ended" | "timedOut" | "aborted") => ({ kind, delivered: state.lines - before, wireMs: watch.wireMs() });
  try {
    const request = { namespace: setup.namespace, pod: setup.pod, container: setup.container,
      follow: mode.follow, sinceTime: sinceTimeOf(state.read) };
    const body = await setup.transport.open(request, signal);
    for await (const chunk of body) {
      state.bytesRead += chunk.length;
      watch.pause(); // time spent in onLine is not silence on the wire
      await deliverLines(setup, state, collectLines(splitter, chunk));
      watch.resume();
    }
    const kind = settle(setup.signal, watch.fired);
    if (kind !== "ended") return result(kind);
    watch.pause();
    if (mode.final) await deliverLines(setup, state, flushLine(splitter));
    // The response is complete: replayed lines it did not hold were rotated away.
    const gap = endRead(state.read);
    if (gap !== null) reportGap(setup, state, gap);
    return result("ended");
  } catch (error) {
    const kind = settle(setup.signal, watch.fired);
    if (kind !== "ended") return result(kind);
    return { kind: "failed", delivered: state.lines - before, wireMs: watch.wireMs(), error: classifyKubeError(error) };
  } finally {
    watch.stop();
  }
}

/** Fires after `timeoutMs` of silence; paused while the consumer works; measures wire time. */
class SilenceWatch {
  fired = false;
  #timer: NodeJS.Timeout | undefined;
  #pausedAt: number | null = null;
  #pausedMs = 0;
  readonly #started = Date.now();
  readonly #timeoutMs: number;
  readonly #onSilence: () => void;

  constructor(timeoutMs: number, onSilence: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onSilence = onSilence;
    this.resume();
  }

  pause(): void {
    clearTimeout(this.#timer);
    this.#pausedAt ??= Date.now();
  }

  resume(): void {
    if (this.#pausedAt !== null) this.#pausedMs += Date.now() - this.#pausedAt;
    this.#pausedAt = null;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { this.fired = true; this.#onSilence(); }, this.#timeoutMs);
  }

  wireMs(): number {
    const paused = this.#pausedMs + (this.#pausedAt === null ? 0 : Date.now() - this.#pausedAt);
    return Math.max(0, Date.now() - this.#started - paused);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

function settle(outer: AbortSignal, timedOut: boolean): "ended" | "timedOut" | "aborted" {
  if (outer.aborted) return "aborted";
  return timedOut ? "timedOut" : "ended";
}

function collectLines(splitter: ByteLineSplitter, chunk: Uint8Array): string[] {
  const lines: string[] = [];
  splitter.push(chunk, (line) => lines.push(line));
  return lines;
}

function flushLine(splitter: ByteLineSplitter): string[] {
  const lines: string[] = [];
  splitter.flush((line) => lines.push(line));
  return lines;
}

async function deliverLines(setup: ReadSetup, state: FollowState, raws: readonly string[]): Promise<void> {
  for (const raw of raws) {
    if (setup.signal.aborted) return;
    const parsed = parseStampedLine(raw);
    if (!parsed.ok) {
      state.unparsedLines += 1;
      setup.diagnose({ kind: "error", detail: parsed.error });
      continue;
    }
    const admission = admit(state.read, parsed.line);
    state.read = admission.read;
    if (admission.gap !== undefined) reportGap(setup, state, admission.gap);
    if (!admission.deliver) {
      state.replayedLines += 1;
      state.replayedBytes += Buffer.byteLength(raw) + 1;
      continue;
    }
    state.lines += 1;
    try {
      await setup.onLine(parsed.line.text);
    } catch (error) {
      // A consumer failure must not stop the follower (the run goes on); it is reported.
      setup.diagnose({ kind: "error", detail: `onLine failed for the line at ${parsed.line.timestamp}: ${messageOf(error)}` });
    }
  }
}

function reportGap(setup: ReadSetup, state: FollowState, gap: LogGap): void {
  state.gaps += 1;
  const after = gap.after ?? "(start)";
  const resumed = gap.resumedAt === null ? "the log ended" : `the log resumed at ${gap.resumedAt}`;
  if (gap.kind === "short") {
    state.unreplayedLines += gap.lines;
    setup.diagnose({ kind: "gap", detail: `log lines lost (rotated away?): ${gap.lines} line(s) up to ${after} were not replayed `
      + `and ${resumed}; output written after ${after} before the rotation may be missing` });
  } else {
    setup.diagnose({ kind: "gap", detail: `log lines lost (rotated away?): the replay after ${after} did not end with the last `
      + `delivered line and ${resumed}; up to ${gap.lines} line(s) dropped as replayed may have been new output` });
  }
}

function reportClockBehind(setup: ReadSetup, state: FollowState): void {
  state.gaps += 1;
  setup.diagnose({ kind: "gap", detail: `the log's clock went back: the last line (${state.read.cursor.lastTimestamp ?? ""}) is stamped `
    + `before the resume point sinceTime=${resumeSinceTime(state.read.cursor) ?? ""}, so lines written after the cut with such stamps `
    + "are not served and may be missing" });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
