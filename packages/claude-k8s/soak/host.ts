// A host-like execution context for soak runs: records what Paperclip would see (stdout chunks,
// status events) and counts callbacks that came after execute() returned. Used in the soak's own
// process and in its child processes (adoption, two replicas).
import type { AdapterExecutionContext, AdapterExecutionResult } from "@paperclipai/adapter-utils";

export type Seen = { stdout: string[]; events: { eventType: string; payload?: Record<string, unknown> }[]; late: number };

/** What a soak run reports back: the parts of the result the checker reads, and the transcript. */
export type Observation = {
  runId: string;
  errorCode: string | null;
  exitCode: number | null;
  timedOut: boolean;
  job: string | null;
  adopted: boolean;
  /** Gaps the adapter reported (status events and resultJson.k8s.logs.gaps). */
  gaps: number;
  /** The adapter told the host the log could not be read to its end (a k8s.log.incomplete event). */
  incomplete: boolean;
  errorMessage: string | null;
  /** stdout lines the host received, without the adapter's own `[claude_k8s]` lines. */
  lines: string[];
  late: number;
  ms: number;
  hung: boolean;
  unhandled: string[];
};

export function hostContext(input: { runId: string; agentId: string; taskId: string; config: Record<string, unknown>; signal: AbortSignal }): { ctx: AdapterExecutionContext; seen: Seen; markReturned(): void } {
  const seen: Seen = { stdout: [], events: [], late: 0 };
  let returned = false;
  const note = () => { if (returned) seen.late += 1; };
  const ctx: AdapterExecutionContext = {
    runId: input.runId,
    agent: { id: input.agentId, companyId: "company-soak", name: "Soak Agent", adapterType: "claude_k8s", adapterConfig: input.config },
    runtime: { sessionId: null, sessionParams: null, sessionDisplayId: null, taskKey: input.taskId },
    config: input.config,
    context: { taskId: input.taskId, issueId: input.taskId, wakeReason: "soak" },
    signal: input.signal,
    onLog: async (stream, chunk) => { note(); if (stream === "stdout") seen.stdout.push(chunk); },
    onEvent: async (event) => { note(); seen.events.push({ eventType: event.eventType, ...(event.payload ? { payload: event.payload } : {}) }); },
    onRuntimeProgress: async () => { note(); },
    onDispatch: () => { note(); },
    onCancellationReady: async () => {},
    onMeta: async () => { note(); },
    authToken: "soak-token",
  };
  return { ctx, seen, markReturned: () => { returned = true; } };
}

export function transcriptLines(stdout: readonly string[]): string[] {
  return stdout.join("").split("\n").filter((line) => line !== "" && !line.startsWith("[claude_k8s]"));
}

/** The job this run followed: from its result, else from its "created"/"adopted" status event. */
export function jobOf(result: AdapterExecutionResult | null, seen: Seen): string | null {
  const k8s = (result?.resultJson as { k8s?: { job?: string } } | null | undefined)?.k8s;
  if (k8s?.job) return k8s.job;
  const event = seen.events.find((e) => e.eventType === "k8s.job.created" || e.eventType === "k8s.job.adopted");
  return event?.payload?.job ? String(event.payload.job) : null;
}

export function observe(runId: string, result: AdapterExecutionResult | null, seen: Seen, ms: number, hung: boolean, unhandled: string[]): Observation {
  const k8s = (result?.resultJson as { k8s?: { adopted?: boolean; logs?: { gaps?: number; incomplete?: boolean } } } | null | undefined)?.k8s;
  const gapEvents = seen.events.filter((e) => e.eventType === "k8s.log.gap").length;
  const incompleteEvent = seen.events.some((e) => e.eventType === "k8s.log.incomplete");
  return {
    runId, errorCode: result ? (result.errorCode ?? null) : "(no result)", exitCode: result?.exitCode ?? null, timedOut: result?.timedOut ?? false,
    job: jobOf(result, seen), adopted: Boolean(k8s?.adopted), gaps: Math.max(gapEvents, k8s?.logs?.gaps ?? 0),
    incomplete: Boolean(k8s?.logs?.incomplete) && incompleteEvent, errorMessage: result?.errorMessage ?? null,
    lines: transcriptLines(seen.stdout), late: seen.late, ms, hung, unhandled,
  };
}
