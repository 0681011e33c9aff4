// One run through the adapter's own execute(), as the host makes it, with the moments the
// benchmarks need: execute() called, onDispatch (right before the Job create), the adapter seeing
// the container start, each transcript line reaching onLog (with the write time the fake claude
// put in it), and execute() resolved.
import type { AdapterExecutionContext, AdapterExecutionResult } from "@paperclipai/adapter-utils";
import { execute } from "../packages/claude-k8s/src/paperclip/execute.ts";
import { FAKE_CLAUDE_IMAGE } from "./fake-claude.ts";
import { wallMs } from "./stats.ts";

export type RunTimes = {
  calledAt: number;
  dispatchedAt: number | null;
  runningSeenAt: number | null;
  resolvedAt: number;
  /** received − written for each stdout line that carried its write time. */
  logDelays: number[];
  linesSeen: number;
};

export type RunOutcome = { result: AdapterExecutionResult; times: RunTimes };

export type AgentSetup = { kubeconfigPath: string; namespace: string; agentId: string; env: Record<string, string>; keepaliveSec?: number };

const WRITTEN = /"bench_written_ms":([0-9.]+)/;

export function benchConfig(setup: AgentSetup): Record<string, unknown> {
  return {
    kubeconfig: setup.kubeconfigPath, namespace: setup.namespace, image: FAKE_CLAUDE_IMAGE, graceSec: 2,
    ...(setup.keepaliveSec !== undefined ? { keepaliveSec: setup.keepaliveSec } : {}),
    env: setup.env,
  };
}

/** Starts execute() for one agent; `abort` cancels it (as an operator's stop would). */
export function startRun(setup: AgentSetup, hooks: { onRunning?: () => void } = {}): { done: Promise<RunOutcome>; abort: AbortController } {
  const abort = new AbortController();
  const config = benchConfig(setup);
  const times: RunTimes = { calledAt: 0, dispatchedAt: null, runningSeenAt: null, resolvedAt: 0, logDelays: [], linesSeen: 0 };
  const ctx: AdapterExecutionContext = {
    runId: `bench-${setup.agentId}-${Math.random().toString(36).slice(2, 8)}`,
    agent: { id: setup.agentId, companyId: "bench", name: `Bench ${setup.agentId}`, adapterType: "claude_k8s", adapterConfig: config },
    runtime: { sessionId: null, sessionParams: null, sessionDisplayId: null, taskKey: null },
    config, context: { wakeReason: "bench" }, signal: abort.signal,
    onLog: async (stream, chunk) => {
      if (stream !== "stdout") return;
      const receivedAt = wallMs();
      for (const line of chunk.split("\n")) {
        if (line === "") continue;
        times.linesSeen += 1;
        const written = WRITTEN.exec(line);
        if (written?.[1] !== undefined) times.logDelays.push(receivedAt - Number(written[1]));
      }
    },
    onEvent: async (event) => {
      if (event.eventType === "k8s.container.started" && times.runningSeenAt === null) {
        times.runningSeenAt = wallMs();
        hooks.onRunning?.();
      }
    },
    onDispatch: () => { times.dispatchedAt ??= wallMs(); },
    authToken: "bench-token",
  };
  times.calledAt = wallMs();
  const done = execute(ctx).then((result) => {
    times.resolvedAt = wallMs();
    return { result, times };
  });
  return { done, abort };
}

/** resultJson.k8s of a result, with the fields the benchmarks read. */
export function k8sDetails(result: AdapterExecutionResult): { pod: string | null; job: string | null; logs: Record<string, number> } {
  const k8s = (result.resultJson as { k8s?: { job?: string; timeline?: { pod?: string | null }; logs?: Record<string, number> } } | null | undefined)?.k8s;
  return { pod: k8s?.timeline?.pod ?? null, job: k8s?.job ?? null, logs: k8s?.logs ?? {} };
}
