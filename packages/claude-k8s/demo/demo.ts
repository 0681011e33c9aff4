// The demo: one real Claude Code agent run as a Kubernetes Job on kube-sim, end to end.
// With --paperclip: the same inside the real Paperclip server and its UI (e2e/demo/paperclip-demo.ts).
//
// It starts kube-sim (the embedded Kubernetes API emulator, whose kubelet runs containers as
// local processes) and anthropic-sim (a scripted Messages API), then drives the adapter's own
// pieces by hand — config parsing, prompt assembly, the run plan (Secret + Job manifests), the
// stream-json parser, the formatter and the result classifier — through the real
// @kubernetes/client-node over HTTP. The run lifecycle that will do this inside execute()
// (locking, reattach, resumable logs, supervision) has not landed yet; this script says so.
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  BatchV1Api, CoreV1Api, KubeConfig, Log, PatchStrategy, setHeaderOptions, type V1Pod,
} from "@kubernetes/client-node";
import { isForbiddenConfigEnvKey } from "@paperclipai/adapter-utils/server-utils";
import { bash, say, startAnthropicSim } from "anthropic-sim";
import { startKubeSim } from "kube-sim";
import { ByteLineSplitter, classifyClaudeRun, parseClaudeLine, type StreamItem } from "../src/claude/index.ts";
import { formatTranscriptLine } from "../src/cli/format.ts";
import { buildRunEnv, buildRunPrompt, formatIssues, parseAdapterConfig } from "../src/server.ts";
import { CLAUDE_CONTAINER, ownerPatch, planRun } from "../src/spec/index.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = path.resolve(here, "../../../node_modules/.bin");
const IMAGE = "paperclip/claude-agent:demo";
const NAMESPACE = "default";
const color = process.stdout.isTTY === true;
const say_ = (text: string): void => console.log(color ? `\x1b[36m▸ ${text}\x1b[0m` : `▸ ${text}`);

function terminatedState(pod: V1Pod | undefined) {
  return pod?.status?.containerStatuses?.find((s) => s.name === CLAUDE_CONTAINER)?.state?.terminated;
}

async function waitForPod(core: CoreV1Api, jobName: string, ready: (pod: V1Pod) => boolean): Promise<V1Pod> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
    const pod = pods.items[0];
    if (pod && ready(pod)) return pod;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`demo: the pod of Job ${jobName} did not reach the expected state within 60 s`);
}

/** Follows the claude container's log once (the demo cluster is healthy) and parses it live. */
async function followLog(kc: KubeConfig, podName: string, items: StreamItem[]): Promise<void> {
  const splitter = new ByteLineSplitter();
  const sink = new PassThrough();
  const done = new Promise<void>((resolve) => sink.on("end", resolve));
  sink.on("data", (chunk: Buffer) => splitter.push(chunk, (line) => {
    const item = parseClaudeLine(line);
    items.push(item);
    const text = formatTranscriptLine(line, { color });
    if (text) console.log(text);
  }));
  await new Log(kc).log(NAMESPACE, podName, CLAUDE_CONTAINER, sink, { follow: true });
  await done;
}

async function main(): Promise<void> {
  say_("starting kube-sim (Kubernetes API emulator; containers run as local processes)");
  const sim = await startKubeSim({ runtime: { images: { "paperclip/claude-agent": { binDir } } } });
  if (sim.runtime?.kubelet.isolation !== "namespace") {
    await sim.stop();
    throw new Error("demo: kube-sim can put the run Secret at its real mount path only as root on Linux "
      + "(private mount namespaces with unshare); run the demo as root, as CI and these machines do");
  }
  const model = await startAnthropicSim({
    script: [
      bash("echo \"hello from $(hostname), uid $(id -u)\" && ls /var/run/paperclip", "Let me look around the pod."),
      say("I ran a command inside a Kubernetes pod. Everything works."),
    ],
  });
  try {
    await runOnce(sim.kubeconfig, model.url);
    say_(`the scripted Messages API answered ${model.messageRequests().length} model calls`);
  } finally {
    await model.stop();
    await sim.stop();
  }
}

async function runOnce(kubeconfig: string, modelUrl: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const parsed = parseAdapterConfig({
    image: IMAGE, namespace: NAMESPACE, model: "claude-sonnet-4-5", maxTurnsPerRun: 5, timeoutSec: 300,
    env: { ANTHROPIC_BASE_URL: modelUrl, ANTHROPIC_API_KEY: "sk-demo", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1" },
  });
  if (parsed.errors.length > 0) throw new Error(formatIssues(parsed.errors));
  const agent = { id: "agent-demo-1", companyId: "company-demo", name: "Demo Engineer" };
  const runId = `run-${Date.now().toString(36)}`;
  const context = { wakeSource: "on_demand", wakeReason: "demo" };
  const { prompt } = buildRunPrompt({ runId, agent, context, promptTemplate: null, bootstrapPromptTemplate: null, resumedSession: false });
  const runEnv = buildRunEnv({ runId, agent: { ...agent, adapterType: "claude_k8s", adapterConfig: {} }, context, authToken: "demo-agent-token" } as Parameters<typeof buildRunEnv>[0]);
  const plan = planRun({
    identity: { agentId: agent.id, runId, companyId: agent.companyId, agentName: agent.name },
    namespace: NAMESPACE, config: parsed.config, serverPod: null, serverContainerName: null, prompt,
    agentToken: runEnv.secret.PAPERCLIP_API_KEY ?? null, instructions: null, runVars: runEnv.plain,
    isForbidden: isForbiddenConfigEnvKey, resumeSessionId: null, cwd: null, addDir: null,
    now: new Date().toISOString(),
  });
  if (!plan.ok) throw new Error(plan.errors.map((e) => `${e.code}: ${e.message}`).join("\n"));

  say_(`creating Secret ${plan.secretName} (prompt + agent token) and Job ${plan.jobName}`);
  await core.createNamespacedSecret({ namespace: NAMESPACE, body: plan.secret });
  const job = await batch.createNamespacedJob({ namespace: NAMESPACE, body: plan.job });
  // The Job owns the Secret: deleting the Job lets the garbage collector take the Secret too.
  await core.patchNamespacedSecret({ namespace: NAMESPACE, name: plan.secretName, body: ownerPatch(job) },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch));

  const pod = await waitForPod(core, plan.jobName, (p) => p.status?.phase !== "Pending");
  say_(`pod ${pod.metadata?.name} is ${pod.status?.phase} on ${pod.spec?.nodeName}; following its log`);
  const items: StreamItem[] = [];
  await followLog(kc, pod.metadata?.name ?? "", items);
  const finished = await waitForPod(core, plan.jobName, (p) => terminatedState(p) !== undefined);
  const terminated = terminatedState(finished);
  const outcome = classifyClaudeRun(items, {
    termination: terminated ? { exitCode: terminated.exitCode, reason: terminated.reason ?? null } : null,
    env: parsed.config.env, requestedModel: parsed.config.model,
  });
  say_(`container terminated: exit ${terminated?.exitCode} (${terminated?.reason})`);
  console.log(JSON.stringify({
    exitCode: outcome.exitCode, errorCode: outcome.errorCode ?? null, summary: outcome.summary, model: outcome.model,
    sessionId: outcome.sessionId, usage: outcome.usage, costUsd: outcome.costUsd, billingType: outcome.billingType,
  }, null, 2));

  say_(`deleting Job ${plan.jobName} (Background propagation); the garbage collector takes the pod and the Secret`);
  await batch.deleteNamespacedJob({ namespace: NAMESPACE, name: plan.jobName, propagationPolicy: "Background" });
  await waitForGone(core, plan.secretName);
  say_("nothing left behind. (execute() itself is not wired to this yet: the run lifecycle is a later issue.)");
  if (outcome.exitCode !== 0 || outcome.errorCode) process.exitCode = 1;
}

async function waitForGone(core: CoreV1Api, secretName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const secrets = await core.listNamespacedSecret({ namespace: NAMESPACE });
    if (!secrets.items.some((s) => s.metadata?.name === secretName)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`demo: Secret ${secretName} was not garbage-collected within 10 s`);
}

if (process.argv.includes("--paperclip")) {
  // The Paperclip demo lives beside the e2e harness it shares (e2e/demo); a computed specifier
  // keeps this package's typecheck inside the package (e2e typechecks that file).
  const paperclipDemo = new URL("../../../e2e/demo/paperclip-demo.ts", import.meta.url).href;
  const { paperclipDemo: run } = (await import(paperclipDemo)) as { paperclipDemo: () => Promise<void> };
  await run();
} else {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  });
}
