// From the host's execution context to the run's plain inputs: the cluster to use, who the run
// is for, the prompt bundle, the session to resume (only where the session store survives pods
// and the session's binding still holds), the prompt, the run env and the manifests. Every refusal happens here, before anything is created.
import type { AdapterExecutionContext, AdapterInvocationMeta } from "@paperclipai/adapter-utils";
import { isForbiddenConfigEnvKey, redactEnvForLogs } from "@paperclipai/adapter-utils/server-utils";
import type { KubeConfig, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { loadKubeConfig } from "../kube/client.ts";
import type { LoadedKubeConfig } from "../kube/client.ts";
import { RunObjects } from "../kube/objects.ts";
import { planRun, planWorkspace } from "../spec/plan.ts";
import type { WorkspaceVolume } from "../spec/inherit.ts";
import type { RunPlan } from "../spec/plan.ts";
import type { RunIdentity } from "../spec/labels.ts";
import { buildRunEnv, buildRunPromptFromContext } from "./prompt.ts";
import { preparePromptBundle } from "./prompt-bundle.ts";
import { bindingParams, decideResume, sessionCodec } from "./session.ts";
import type { SessionBinding } from "./session.ts";

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

/** The session Paperclip stored for this task (params), or the bare id of a wake without one. */
export function storedSession(ctx: AdapterExecutionContext): Record<string, unknown> | null {
  return sessionCodec.deserialize(ctx.runtime.sessionParams) ?? (ctx.runtime.sessionId ? { sessionId: ctx.runtime.sessionId } : null);
}

export function workspaceCwd(context: Record<string, unknown>): string | null {
  const workspace = context.paperclipWorkspace;
  return typeof workspace === "object" && workspace !== null ? text((workspace as Record<string, unknown>).cwd) : null;
}

export type PlannedRun = {
  plan: Extract<RunPlan, { ok: true }>; identity: RunIdentity; resumeSessionId: string | null; prompt: string;
  promptMetrics: Record<string, number>;
  /** Saved with the session on success (see decideResume). */
  sessionParams: Record<string, string>;
  /** Lines for the run's log (why a session is not resumed, skills left out). */
  logs: string[];
};

function bindingOf(plan: Extract<RunPlan, { ok: true }>, namespace: string, workspace: WorkspaceVolume | null, bundleKey: string | null): SessionBinding {
  return {
    sharedVolume: plan.sharedVolume, namespace, promptBundleKey: bundleKey,
    workspaceVolumeClaim: workspace?.volume.persistentVolumeClaim?.claimName ?? null,
    cwd: plan.job.spec?.template.spec?.containers[0]?.workingDir ?? null,
  };
}

/** Plans the run; a stored session is resumed only while its binding still holds (decideResume):
 * plan with it, check, and plan a fresh session when it does not. */
export async function planFromContext(ctx: AdapterExecutionContext, config: ClaudeK8sConfig, cluster: Cluster): Promise<PlannedRun | { errors: string[] }> {
  const cwd = workspaceCwd(ctx.context);
  const workspace = planWorkspace(config, cluster.serverPod, null);
  const bundle = await preparePromptBundle(config, ctx.config, workspace);
  if (!bundle.ok) return { errors: [`k8s_invalid_spec: ${bundle.error}`] };
  const stored = storedSession(ctx);
  let resume = typeof stored?.sessionId === "string" ? stored.sessionId : null;
  const runEnv = buildRunEnv(ctx);
  const logs = [...bundle.logs];
  for (let attempt = 0; attempt < 2; attempt++) {
    const prompt = buildRunPromptFromContext(ctx, config, resume !== null);
    const identity = identityOf(ctx, resume);
    const plan = planRun({
      identity, namespace: cluster.namespace, config, serverPod: cluster.serverPod, serverContainerName: null,
      prompt: prompt.prompt, agentToken: runEnv.secret.PAPERCLIP_API_KEY ?? null, secretRunVars: otherSecrets(runEnv.secret),
      instructions: null, bundle: bundle.placed, runVars: runEnv.plain,
      isForbidden: isForbiddenConfigEnvKey, resumeSessionId: resume, cwd, now: new Date().toISOString(),
    });
    if (!plan.ok) return { errors: plan.errors.map((e) => `${e.code}: ${e.message}`) };
    plan.notes.push(...bundle.notes);
    const binding = bindingOf(plan, cluster.namespace, workspace, bundle.placed?.key ?? null);
    const decision = decideResume(stored, binding);
    if (resume !== null && decision.sessionId === null) {
      if (decision.reason) logs.push(decision.reason);
      resume = null;
      continue;
    }
    return { plan, identity, resumeSessionId: resume, prompt: prompt.prompt, promptMetrics: prompt.metrics, sessionParams: bindingParams(binding), logs };
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
