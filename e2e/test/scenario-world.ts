// The cluster and the model behind the Paperclip scenarios: kube-sim (its kubelet runs the image
// as the real Claude Code CLI), anthropic-sim answering per scenario, and gates a test opens to
// let a pod's command finish, so a run stays "running" exactly as long as a scenario needs.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { bash, say, startAnthropicSim } from "anthropic-sim";
import type { AnthropicSim, RecordedRequest, Reply } from "anthropic-sim";
import { startKubeSim } from "kube-sim";
import type { KubeSim } from "kube-sim";
import type { Json } from "./paperclip-api.ts";

export const IMAGE = "paperclip/claude-agent:e2e";
export const NAMESPACE = "default";
export const WORKSPACE_CLAIM = "paperclip-workspace";
export const WORKSPACE_PATH = "/paperclip";
const SCENARIO_HEADER = "x-e2e-scenario";
/** The demo's pod works for about half a minute, so a newcomer can watch it live. */
const DEMO_COMMAND = 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "step $i of 10 in pod $(hostname) as uid $(id -u)"; sleep 3; done';

export type World = {
  kube: KubeSim;
  model: AnthropicSim;
  batch: BatchV1Api;
  core: CoreV1Api;
  scratch: string;
  /** The adapterConfig of an agent whose pod runs `scenario`'s command. */
  agentConfig: (scenario: string, extra?: Json) => Json;
  /** Lets the pod of a gated scenario finish its command. */
  openGate: (scenario: string) => void;
  /** A kubeconfig file the server's unprivileged user can read. */
  writeKubeconfig: (name: string, text: string) => string;
  stop: () => Promise<void>;
};

function headerOf(request: RecordedRequest): string {
  const value = request.headers[SCENARIO_HEADER];
  return (Array.isArray(value) ? value[0] : value) ?? "plain";
}

function endsWithToolResult(request: RecordedRequest): boolean {
  const messages = (request.body as { messages?: Array<{ content?: unknown }> }).messages ?? [];
  const content = messages.at(-1)?.content;
  return Array.isArray(content) && content.some((block: { type?: string }) => block?.type === "tool_result");
}

/**
 * Each turn of a run: first a Bash call, then (after its result) a closing text. A scenario whose
 * name starts with "gated-" waits in the pod until its gate file appears; "demo" works slowly for
 * about 30 s; "plain" echoes at once.
 */
function scenarioReply(gates: string): (request: RecordedRequest) => Reply {
  return (request) => {
    const scenario = headerOf(request);
    if (endsWithToolResult(request)) return say(`Scenario ${scenario} is done.`);
    const command = scenario.startsWith("gated-")
      ? `echo waiting-${scenario}; until [ -e ${gates}/${scenario} ]; do sleep 0.2; done; echo released-${scenario}`
      : scenario === "demo" ? DEMO_COMMAND : "echo hello-from-a-pod";
    return bash(command, `Let me run the ${scenario} step.`);
  };
}

export async function startWorld(binDir: string): Promise<World> {
  const kube = await startKubeSim({ runtime: { images: { "paperclip/claude-agent": { binDir } } } });
  const scratch = mkdtempSync(path.join(os.tmpdir(), "paperclip-scenarios-"));
  // The server runs as an unprivileged user and the pod as uid 1000: both read here.
  chmodSync(scratch, 0o755);
  const gates = path.join(scratch, "gates");
  const model = await startAnthropicSim({ script: scenarioReply(gates) });
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig);
  const writeKubeconfig = (name: string, text: string): string => {
    const file = path.join(scratch, name);
    writeFileSync(file, text, { mode: 0o644 });
    return file;
  };
  const adminKubeconfig = writeKubeconfig("kubeconfig", kube.kubeconfig);
  mkdirSync(gates, { mode: 0o755 });
  const agentConfig = (scenario: string, extra: Json = {}): Json => ({
    kubeconfig: adminKubeconfig, namespace: NAMESPACE, image: IMAGE, model: "claude-sonnet-4-5", maxTurnsPerRun: 5, timeoutSec: 600,
    env: {
      ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: "sk-e2e", ANTHROPIC_CUSTOM_HEADERS: `${SCENARIO_HEADER}: ${scenario}`,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1", BASH_DEFAULT_TIMEOUT_MS: "600000", BASH_MAX_TIMEOUT_MS: "600000",
    },
    ...extra,
  });
  return {
    kube, model, scratch, agentConfig, writeKubeconfig,
    batch: kc.makeApiClient(BatchV1Api),
    core: kc.makeApiClient(CoreV1Api),
    openGate: (scenario) => writeFileSync(path.join(gates, scenario), "open\n", { mode: 0o644 }),
    stop: async () => {
      await model.stop();
      await kube.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A claim object in kube-sim (the kubelet backs it with a host directory). */
export async function createClaim(world: World, name: string, accessMode: "ReadWriteMany" | "ReadWriteOnce"): Promise<void> {
  await world.core.createNamespacedPersistentVolumeClaim({
    namespace: NAMESPACE,
    body: { metadata: { name }, spec: { accessModes: [accessMode], resources: { requests: { storage: "1Gi" } } } },
  });
}

/** The Jobs (live or terminating) an adapter run created or adopted: its run annotation names it. */
export async function jobsOfRun(world: World, runId: string): Promise<string[]> {
  const jobs = await world.batch.listNamespacedJob({ namespace: NAMESPACE });
  return jobs.items.filter((job) => job.metadata?.annotations?.["paperclip.io/run-id"] === runId).map((job) => job.metadata?.name ?? "");
}

/** The pods of a Job as kube-sim's store recorded them, deleted ones included. */
export function podsOfJob(world: World, jobName: string): string[] {
  const truth = world.kube.runtime?.groundTruth;
  if (!truth) return [];
  return [...new Set(truth.allContainerLines().filter((c) => c.pod.startsWith(`${jobName}-`)).map((c) => c.pod))];
}
