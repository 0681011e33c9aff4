// A world for lifecycle tests: kube-sim (the real API over HTTP, a process kubelet), the scripted
// Messages API, and a host-like execution context that records what the host would see. The
// agent in the pod is the real Claude Code CLI from node_modules/.bin.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AdapterExecutionContext, AdapterExecutionResult } from "@paperclipai/adapter-utils";
import { KubeConfig } from "@kubernetes/client-node";
import { say, startAnthropicSim } from "anthropic-sim";
import type { AnthropicSim, AnthropicSimOptions, Reply, ScriptFunction } from "anthropic-sim";
import { JOBS, LEASES, PODS, SECRETS, startKubeSim } from "kube-sim";
import type { KubeSim, KubeSimOptions } from "kube-sim";
import { execute } from "../src/paperclip/execute.ts";
import type { RunTuning } from "../src/run/run.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN_DIR = path.resolve(here, "../../../node_modules/.bin");
export const IMAGE = "paperclip/claude-agent:test";
export const NAMESPACE = "default";

export type World = { sim: KubeSim; model: AnthropicSim; kubeConfig: KubeConfig; stop(): Promise<void> };

/** A world whose model replies come from a script the test swaps between runs (one run at a time). */
export async function startScriptedWorld(): Promise<{ world: World; useScript: (replies: Reply[]) => void }> {
  let script: Reply[] = [];
  let base = 0;
  const world = await startWorld({ model: { script: (_request, index) => script[index - base] ?? say("(script exhausted)") } });
  return { world, useScript: (replies) => { script = replies; base = world.model.messageRequests().length; } };
}

/** For concurrent runs: each run makes `tool` its one tool call, then answers `answer`. */
export function oneToolThenAnswer(tool: () => Reply, answer: Reply): ScriptFunction {
  return (request) => {
    const last = (request.body as { messages?: { content?: unknown }[] } | null)?.messages?.at(-1)?.content;
    const afterTool = Array.isArray(last) && last.some((block: { type?: string }) => block.type === "tool_result");
    return afterTool ? answer : tool();
  };
}

/** The Job a run created, from its result. */
export function jobOf(result: { resultJson?: Record<string, unknown> | null }): string {
  return (result.resultJson as { k8s: { job: string } }).k8s.job;
}

export async function startWorld(options: { model: AnthropicSimOptions; sim?: KubeSimOptions }): Promise<World> {
  const sim = await startKubeSim({ ...options.sim, runtime: { images: { "paperclip/claude-agent": { binDir: BIN_DIR } }, ...(options.sim?.runtime || {}) } });
  const model = await startAnthropicSim(options.model);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sim.kubeconfig);
  return { sim, model, kubeConfig, async stop() { await model.stop(); await sim.stop(); } };
}

/** The adapter config a test agent uses on this world. */
export function agentConfig(world: World, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kubeconfig: world.sim.kubeconfigPath, namespace: NAMESPACE, image: IMAGE, graceSec: 2, keepaliveSec: 0,
    env: { ANTHROPIC_BASE_URL: world.model.url, ANTHROPIC_API_KEY: "sk-test", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1" },
    ...extra,
  };
}

export type HostRecord = {
  stdout: string[];
  stderr: string[];
  events: { eventType: string; level?: string; message?: string; payload?: Record<string, unknown> }[];
  progress: string[];
  dispatched: number;
  cancellationReady: number;
  /** The prompt the adapter reported in onMeta. */
  prompt: string | null;
  /** Callbacks made after execute() returned (must stay empty). */
  late: string[];
};

export type RunHandle = { ctx: AdapterExecutionContext; record: HostRecord; abort: AbortController };

export function runContext(config: Record<string, unknown>, options: { runId?: string; agentId?: string; taskId?: string; sessionId?: string | null; onLog?: (chunk: string) => Promise<void> } = {}): RunHandle {
  const record: HostRecord = { stdout: [], stderr: [], events: [], progress: [], dispatched: 0, cancellationReady: 0, prompt: null, late: [] };
  const abort = new AbortController();
  let returned = false;
  const note = (what: string) => { if (returned) record.late.push(what); };
  const agentId = options.agentId ?? "agent-1";
  const ctx: AdapterExecutionContext = {
    runId: options.runId ?? `run-${Math.random().toString(36).slice(2, 10)}`,
    agent: { id: agentId, companyId: "company-1", name: "Test Engineer", adapterType: "claude_k8s", adapterConfig: config },
    runtime: { sessionId: options.sessionId ?? null, sessionParams: null, sessionDisplayId: null, taskKey: options.taskId ?? null },
    config,
    context: options.taskId ? { taskId: options.taskId, issueId: options.taskId, wakeReason: "test" } : { wakeReason: "test" },
    signal: abort.signal,
    onLog: async (stream, chunk) => {
      note(`onLog ${stream}`);
      (stream === "stdout" ? record.stdout : record.stderr).push(chunk);
      if (stream === "stdout" && options.onLog) await options.onLog(chunk);
    },
    onEvent: async (event) => { note("onEvent"); record.events.push(event); },
    onRuntimeProgress: async (update) => { note("onRuntimeProgress"); record.progress.push(update.message); },
    onDispatch: () => { note("onDispatch"); record.dispatched += 1; },
    onCancellationReady: async () => { record.cancellationReady += 1; },
    onMeta: async (meta) => { note("onMeta"); record.prompt = meta.prompt ?? null; },
    authToken: "agent-token-secret-123",
  };
  const original = ctx;
  Object.defineProperty(original, "__markReturned", { value: () => { returned = true; } });
  return { ctx, record, abort };
}

/** Runs execute() and marks the moment it returned (callbacks after that are recorded as late). */
export async function run(handle: RunHandle, tuning?: RunTuning): Promise<AdapterExecutionResult> {
  try {
    return await execute(handle.ctx, tuning);
  } finally {
    (handle.ctx as unknown as { __markReturned: () => void }).__markReturned();
  }
}

/** The stdout transcript as lines (the adapter's own `[claude_k8s]` lines excluded). */
export function transcriptLines(record: HostRecord): string[] {
  return record.stdout.join("").split("\n").filter((line) => line !== "" && !line.startsWith("[claude_k8s]"));
}

/** What the claude container really wrote (kube-sim's ground truth), by Job name prefix. */
export function groundTruthLines(world: World, jobName: string): string[] {
  const all = world.sim.runtime?.groundTruth.allContainerLines() ?? [];
  const mine = all.filter((c) => c.pod.startsWith(`${jobName}-`) && c.container === "claude");
  return mine.flatMap((c) => c.lines.filter((l) => l.stream === "stdout").map((l) => l.text));
}

/** Our objects left in the namespace (Jobs, pods, Secrets, Leases). */
export function leftovers(world: World): string[] {
  const kinds = [JOBS, PODS, SECRETS, LEASES];
  return kinds.flatMap((kind) => world.sim.store.list(kind, NAMESPACE).items
    .filter((o) => o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "paperclip")
    .map((o) => `${kind.resource}/${o.metadata?.name}`));
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
