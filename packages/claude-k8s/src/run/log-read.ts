// One read of a container's log (a follow stream or the final non-follow read): bytes → lines
// (UTF-8 safe across chunks, long lines bounded) → the cursor decides → the line is delivered.
// Whatever happens is returned as an outcome, never thrown: the follower's loop decides.
import { ByteLineSplitter } from "../claude/stream.ts";
import { classifyKubeError } from "../kube/errors.ts";
import type { KubeError } from "../kube/errors.ts";
import { admit, beginRead, parseStampedLine, resumeSinceTime } from "./log-cursor.ts";
import type { LogRead } from "./log-cursor.ts";
import type { LogTransport } from "./log-transport.ts";

export type LogDiagnostic = { kind: "reconnect" | "gap" | "idle" | "error"; detail: string };

/** What the follower keeps across reads; `read.cursor` is moved only through admit(). */
export type FollowState = { read: LogRead; lines: number; gaps: number; reconnects: number };

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
  /** follow: no bytes for this long → give up on the connection; final read: total bound. */
  timeoutMs: number;
  /** The final read of a terminated container: its log is complete, so a last unterminated line counts. */
  final: boolean;
};

export type ReadOutcome =
  | { kind: "ended"; delivered: number }
  | { kind: "timedOut"; delivered: number }
  | { kind: "aborted"; delivered: number }
  | { kind: "failed"; delivered: number; error: KubeError };

/** Opens one request from the cursor and delivers what it admits until the response ends. */
export async function readLogOnce(setup: ReadSetup, state: FollowState, mode: ReadMode): Promise<ReadOutcome> {
  const attempt = new AbortController();
  const signal = AbortSignal.any([setup.signal, attempt.signal]);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timedOut = true; attempt.abort(); }, mode.timeoutMs);
  };
  // A new request replays the cursor's boundary lines again: start counting them afresh.
  state.read = beginRead(state.read.cursor);
  const splitter = new ByteLineSplitter(setup.maxLineBytes);
  const before = state.lines;
  arm();
  try {
    const request = { namespace: setup.namespace, pod: setup.pod, container: setup.container,
      follow: mode.follow, sinceTime: resumeSinceTime(state.read.cursor) };
    const body = await setup.transport.open(request, signal);
    for await (const chunk of body) {
      // Time spent in onLine is not silence on the wire; a final read keeps its one deadline.
      if (mode.follow) clearTimeout(timer);
      await deliverLines(setup, state, collectLines(splitter, chunk));
      if (mode.follow) arm();
    }
    const outcome = settle(setup.signal, timedOut, state.lines - before);
    if (outcome.kind === "ended" && mode.final) {
      await deliverLines(setup, state, flushLine(splitter));
      return { kind: "ended", delivered: state.lines - before };
    }
    return outcome;
  } catch (error) {
    const outcome = settle(setup.signal, timedOut, state.lines - before);
    if (outcome.kind !== "ended") return outcome;
    return { kind: "failed", delivered: state.lines - before, error: classifyKubeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

function settle(outer: AbortSignal, timedOut: boolean, delivered: number): ReadOutcome {
  if (outer.aborted) return { kind: "aborted", delivered };
  if (timedOut) return { kind: "timedOut", delivered };
  return { kind: "ended", delivered };
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
      setup.diagnose({ kind: "error", detail: parsed.error });
      continue;
    }
    const admission = admit(state.read, parsed.line);
    state.read = admission.read;
    if (admission.gap !== undefined) {
      state.gaps += 1;
      const { missingAtLast, lastTimestamp, firstNew } = admission.gap;
      setup.diagnose({ kind: "gap", detail: `log lines lost (rotated away?): ${missingAtLast} line(s) at ${lastTimestamp} `
        + `were not replayed and the log resumed at ${firstNew}; output between them may be missing` });
    }
    if (!admission.deliver) continue;
    state.lines += 1;
    try {
      await setup.onLine(parsed.line.text);
    } catch (error) {
      // A consumer failure must not stop the follower (the run goes on); it is reported.
      setup.diagnose({ kind: "error", detail: `onLine failed for the line at ${parsed.line.timestamp}: ${messageOf(error)}` });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
