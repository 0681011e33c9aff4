// From the host's execution context to the run's plain inputs: the cluster to use, who the run
// is for, the session to resume (only where the session store survives pods), the prompt, the
// run env and the manifests. Every refusal happens here, before anything is created.
import { readFile } from "node:fs/promises";
import type { AdapterExecutionContext, AdapterInvocationMeta } from "@paperclipai/adapter-utils";
import { isForbiddenConfigEnvKey, redactEnvForLogs } from "@paperclipai/adapter-utils/server-utils";
import type { KubeConfig, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { loadKubeConfig } from "../kube/client.ts";
import type { LoadedKubeConfig } from "../kube/client.ts";
import { RunObjects } from "../kube/objects.ts";
import { planRun } from "../spec/plan.ts";
import type { RunPlan } from "../spec/plan.ts";
import type { RunIdentity } from "../spec/labels.ts";
import { buildRunEnv, buildRunPromptFromContext } from "./prompt.ts";
import { sessionCodec } from "./session.ts";

export type Cluster = { kubeConfig: KubeConfig; namespace: string; serverPod: V1Pod | null; source: LoadedKubeConfig["source"] };

/** Credentials and namespace; in a cluster, the server's own pod (for image and env inheritance). */
export async function resolveCluster(config: ClaudeK8sConfig, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<Cluster> {
  const loaded = loadKubeConfig({ kubeconfigPath: config.kubeconfig, env });
  const namespace = config.namespace ?? loaded.namespace ?? "default";
  let serverPod: V1Pod | null = null;
  if (loaded.source === "in-cluster" && env.HOSTNAME && loaded.namespace) {
    serverPod = await new RunObjects(loaded.kubeConfig, loaded.namespace).getPod(env.HOSTNAME, { signal, deadlineMs: 10_000 }).catch(() => null);
  }
  return { kubeConfig: loaded.kubeConfig, namespace, serverPod, source: loaded.source };
}

export function identityOf(ctx: AdapterExecutionContext, resumeSessionId: string | null): RunIdentity {
  const taskId = text(ctx.context.taskId) ?? text(ctx.context.issueId);
  return {
    agentId: ctx.agent.id, runId: ctx.runId, companyId: ctx.agent.companyId, agentName: ctx.agent.name,
    taskId, taskKey: ctx.runtime.taskKey ?? null, sessionId: resumeSessionId,
  };
}

/** The stored session, if it can be resumed here: same namespace and working directory. */
export function resumableSession(ctx: AdapterExecutionContext, namespace: string, cwd: string | null): string | null {
  const params = sessionCodec.deserialize(ctx.runtime.sessionParams) ?? (ctx.runtime.sessionId ? { sessionId: ctx.runtime.sessionId } : null);
  const id = typeof params?.sessionId === "string" ? params.sessionId : null;
  if (!id) return null;
  if (typeof params?.namespace === "string" && params.namespace !== namespace) return null;
  if (typeof params?.cwd === "string" && cwd !== null && params.cwd !== cwd) return null;
  return id;
}

export function workspaceCwd(context: Record<string, unknown>): string | null {
  const workspace = context.paperclipWorkspace;
  return typeof workspace === "object" && workspace !== null ? text((workspace as Record<string, unknown>).cwd) : null;
}

export type PlannedRun = { plan: Extract<RunPlan, { ok: true }>; identity: RunIdentity; resumeSessionId: string | null; prompt: string; promptMetrics: Record<string, number> };

/** Plans the run; a session is resumed only where the session store survives (a shared volume). */
export async function planFromContext(ctx: AdapterExecutionContext, config: ClaudeK8sConfig, cluster: Cluster): Promise<PlannedRun | { errors: string[] }> {
  const cwd = workspaceCwd(ctx.context);
  let resume = resumableSession(ctx, cluster.namespace, cwd);
  const instructions = config.instructionsFilePath ? await readFile(config.instructionsFilePath, "utf8").catch(() => null) : null;
  const runEnv = buildRunEnv(ctx);
  for (let attempt = 0; attempt < 2; attempt++) {
    const prompt = buildRunPromptFromContext(ctx, config, resume !== null);
    const identity = identityOf(ctx, resume);
    const plan = planRun({
      identity, namespace: cluster.namespace, config, serverPod: cluster.serverPod, serverContainerName: null,
      prompt: prompt.prompt, agentToken: runEnv.secret.PAPERCLIP_API_KEY ?? null, secretRunVars: otherSecrets(runEnv.secret),
      instructions, runVars: runEnv.plain,
      isForbidden: isForbiddenConfigEnvKey, resumeSessionId: resume, cwd, addDir: null, now: new Date().toISOString(),
    });
    if (!plan.ok) return { errors: plan.errors.map((e) => `${e.code}: ${e.message}`) };
    if (resume !== null && !plan.sharedVolume) { resume = null; continue; }
    return { plan, identity, resumeSessionId: resume, prompt: prompt.prompt, promptMetrics: prompt.metrics };
  }
  return { errors: ["k8s_invalid_spec: could not plan the run"] };
}

function otherSecrets(secret: Record<string, string>): Record<string, string> {
  const { PAPERCLIP_API_KEY: _agentToken, ...rest } = secret;
  return rest;
}

/** How the host sees one env entry: run-Secret values redacted (they hold credentials). */
function shownValue(e: V1EnvVar, runSecretName: string): string {
  if (e.value !== undefined) return e.value;
  const ref = e.valueFrom?.secretKeyRef;
  if (ref?.name === runSecretName) return REDACTED;
  return ref ? `<from Secret ${ref.name}>` : "<from reference>";
}

const REDACTED = "***REDACTED***";

/** What the host shows as the invocation: the container's command and env, tokens redacted. */
export function invocationMeta(ctx: AdapterExecutionContext, planned: PlannedRun, adapterType: string): AdapterInvocationMeta {
  const container = planned.plan.job.spec?.template.spec?.containers[0];
  const env: Record<string, string> = {};
  for (const e of container?.env ?? []) env[e.name] = shownValue(e, planned.plan.secretName);
  const [command = "claude", ...commandArgs] = container?.command ?? [];
  return {
    adapterType, command, commandArgs, env: redactEnvForLogs(env),
    ...(container?.workingDir ? { cwd: container.workingDir } : {}),
    commandNotes: [`Job ${planned.plan.jobName} in namespace ${planned.plan.job.metadata?.namespace}`, ...planned.plan.notes],
    prompt: planned.prompt, promptMetrics: planned.promptMetrics, context: ctx.context,
  };
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}
