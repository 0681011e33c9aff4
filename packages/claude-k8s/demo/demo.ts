// The demo: one real Claude Code agent run as a Kubernetes Job, through the adapter's own
// execute(), on kube-sim (the embedded Kubernetes API emulator, over HTTPS, whose kubelet runs
// containers as local processes) with a scripted Messages API standing in for Anthropic.
// What a Paperclip host would see is printed: status changes, the live transcript, the result.
//   npm run demo               a healthy cluster
//   npm run demo -- --chaos    the log stream cut every second and Job conditions lagging 20 s;
//                              ends by checking the transcript against what the container wrote
//   npm run demo -- --paperclip  the same inside the real Paperclip server and its UI
//                              (e2e/demo/paperclip-demo.ts)
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AdapterExecutionContext } from "@paperclipai/adapter-utils";
import { bash, say, startAnthropicSim } from "anthropic-sim";
import { JOBS, LEASES, PODS, SECRETS, startKubeSim } from "kube-sim";
import type { KubeSim } from "kube-sim";
import { formatTranscriptLine } from "../src/cli/format.ts";
import { execute } from "../src/server.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = path.resolve(here, "../../../node_modules/.bin");
const IMAGE = "paperclip/claude-agent:demo";
const chaos = process.argv.includes("--chaos");
const color = process.stdout.isTTY === true;
const note = (text: string): void => console.log(color ? `\x1b[36m▸ ${text}\x1b[0m` : `▸ ${text}`);

async function main(): Promise<void> {
  note(`starting kube-sim (Kubernetes API over HTTPS; containers run as local processes)${chaos ? ", with chaos" : ""}`);
  const sim = await startKubeSim({ runtime: { images: { "paperclip/claude-agent": { binDir } } } });
  if (sim.runtime?.kubelet.isolation !== "namespace") {
    await sim.stop();
    throw new Error("demo: kube-sim can put the run Secret at its real mount path only as root on Linux "
      + "(private mount namespaces with unshare); run the demo as root, as CI and these machines do");
  }
  const model = await startAnthropicSim({
    script: [
      bash("echo \"hello from $(hostname), uid $(id -u)\" && ls /var/run/paperclip", "Let me look around the pod."),
      ...(chaos ? [bash("for i in $(seq 1 20); do echo \"working $i\"; sleep 0.1; done", "A longer step, under chaos.")] : []),
      say("I ran a command inside a Kubernetes pod. Everything works."),
    ],
  });
  if (chaos) {
    note("chaos: the log stream is cut every second; Job conditions lag 20 s behind the container's exit");
    sim.faults.cutLogStreamsEvery(1_000);
    sim.runtime.faults.setConditionLag(20_000);
  }
  try {
    const ok = await runOnce(sim, model.url);
    note(`the scripted Messages API answered ${model.messageRequests().length} model calls`);
    if (!ok) process.exitCode = 1;
  } finally {
    sim.faults.stopCuttingLogStreams();
    await model.stop();
    await sim.stop();
  }
}

/** A host-like context: what Paperclip would pass, printing what Paperclip would show. */
function hostContext(sim: KubeSim, modelUrl: string, transcript: string[]): AdapterExecutionContext {
  const config = {
    kubeconfig: sim.kubeconfigPath, namespace: "default", image: IMAGE, model: "claude-sonnet-4-5", maxTurnsPerRun: 5, timeoutSec: 300, graceSec: 5,
    env: { ANTHROPIC_BASE_URL: modelUrl, ANTHROPIC_API_KEY: "sk-demo", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1" },
  };
  return {
    runId: `run-${Date.now().toString(36)}`, config, authToken: "demo-agent-token",
    agent: { id: "agent-demo-1", companyId: "company-demo", name: "Demo Engineer", adapterType: "claude_k8s", adapterConfig: config },
    runtime: { sessionId: null, sessionParams: null, sessionDisplayId: null, taskKey: null },
    context: { wakeSource: "on_demand", wakeReason: "demo" },
    onLog: async (stream, chunk) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        if (stream === "stdout" && !line.startsWith("[claude_k8s]")) transcript.push(line);
        const text = stream === "stdout" ? formatTranscriptLine(line, { color }) : `[stderr] ${line}`;
        if (text) console.log(text);
      }
    },
    onEvent: async (event) => note(`${event.eventType}: ${event.message ?? ""}`),
    onMeta: async (meta) => note(`launching: ${meta.commandNotes?.[0] ?? meta.command}`),
  };
}

async function runOnce(sim: KubeSim, modelUrl: string): Promise<boolean> {
  const transcript: string[] = [];
  const result = await execute(hostContext(sim, modelUrl, transcript));
  console.log(JSON.stringify({
    exitCode: result.exitCode, errorCode: result.errorCode ?? null, summary: result.summary, model: result.model,
    sessionId: result.sessionId, usage: result.usage, costUsd: result.costUsd, billingType: result.billingType,
    k8s: (result.resultJson as { k8s?: unknown } | null)?.k8s,
  }, null, 2));
  const job = String((result.resultJson as { k8s?: { job?: string } } | null)?.k8s?.job ?? "");
  const written = (sim.runtime?.groundTruth.allContainerLines() ?? [])
    .filter((c) => c.pod.startsWith(`${job}-`) && c.container === "claude")
    .flatMap((c) => c.lines.filter((l) => l.stream === "stdout").map((l) => l.text));
  const same = written.length > 0 && written.length === transcript.length && written.every((line, i) => line === transcript[i]);
  note(same ? `transcript equals what the container wrote: ${written.length} lines, none lost, none repeated`
    : `transcript DIFFERS from what the container wrote (${transcript.length} shown, ${written.length} written)`);
  await waitForCleanup(sim);
  return same && result.exitCode === 0 && !result.errorCode;
}

async function waitForCleanup(sim: KubeSim): Promise<void> {
  const until = Date.now() + 15_000;
  const ours = () => [JOBS, PODS, SECRETS, LEASES].flatMap((kind) =>
    sim.store.list(kind, "default").items.filter((o) => o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "paperclip"));
  while (ours().length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  note(ours().length === 0 ? "nothing left behind (Job, pod, Secret and Lease are gone)" : `left behind: ${ours().length} objects`);
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
