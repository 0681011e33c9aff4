// One call that turns a run's plain inputs into the two manifests to create: the run Secret
// first, then the Job. Nothing here touches the API; every refusal happens before any create.
import type { V1Job, V1Pod, V1Secret } from "@kubernetes/client-node";
import type { ClaudeK8sConfig } from "../config/types.ts";
import type { V1KeyToPath } from "@kubernetes/client-node";
import { inlineBundleKey, INLINE_BUNDLE_SUBDIR, type PlacedBundle } from "./bundle.ts";
import { buildClaudeArgs, containerCommand } from "./command.ts";
import { buildAgentEnv, configEnvInSecret } from "./env.ts";
import { findServerContainer, inheritedPodSettings, workspaceVolume, type WorkspaceVolume } from "./inherit.ts";
import {
  agentHomeVars, buildJobManifest, INSTRUCTIONS_FILE, PROMPT_FILE, runCwd, workingDirFor,
} from "./job.ts";
import { runAnnotations, runLabels, type RunIdentity } from "./labels.ts";
import { jobName, runSecretName } from "./names.ts";
import { podLocalEnv } from "./scratch.ts";
import { buildRunSecret, envSecretKey, SECRET_KEY, type SpecError } from "./secret.ts";

/** The env var that carries the per-run agent token, from the run Secret. */
export const AGENT_TOKEN_ENV = "PAPERCLIP_API_KEY";

export interface RunPlanInput {
  identity: RunIdentity;
  namespace: string;
  config: ClaudeK8sConfig;
  /** The Paperclip server's own pod (in-cluster), or null. */
  serverPod: V1Pod | null;
  serverContainerName: string | null;
  prompt: string;
  agentToken: string | null;
  /** Other run variables that grant access (PAPERCLIP_RUNTIME_TOOLS_TOKEN): from the run
   * Secret, and nothing overrides them. */
  secretRunVars?: Record<string, string>;
  /** The instructions file's content (sent on fresh sessions only) when there is no bundle, or null. */
  instructions: string | null;
  /** The prompt bundle (instructions and skills) and where the pod sees it, or null. */
  bundle?: PlacedBundle | null;
  runVars: Record<string, string>;
  isForbidden: (key: string) => boolean;
  resumeSessionId: string | null;
  /** The workspace's cwd (context.paperclipWorkspace.cwd), or null. */
  cwd: string | null;
  /** context.paperclipWorkspace.source: with "agent_home", a configured cwd wins (as claude_local). */
  workspaceSource?: string | null;
  /** RFC 3339, the caller's clock. */
  now: string;
}

export type RunPlan =
  | { ok: true; jobName: string; secretName: string; secret: V1Secret; job: V1Job; sharedVolume: boolean; notes: string[] }
  | { ok: false; errors: SpecError[] };

/** The inline bundle's files as projections of the run Secret; executables stay executable. */
function bundleItems(bundle: PlacedBundle | null): V1KeyToPath[] {
  return (bundle?.inline ?? []).map((file) => ({
    key: inlineBundleKey(file.path), path: `${INLINE_BUNDLE_SUBDIR}/${file.path}`, ...(file.executable ? { mode: 0o550 } : {}),
  }));
}

function secretConfigEnv(configEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(configEnv).filter(([name]) => configEnvInSecret(name)));
}

/** The shared volume a run would mount (see workspaceVolume), before planning the run: the
 * caller writes the prompt bundle there when there is one. */
export function planWorkspace(config: ClaudeK8sConfig, serverPod: V1Pod | null, serverContainerName: string | null): WorkspaceVolume | null {
  const container = serverPod ? findServerContainer(serverPod, serverContainerName)?.container ?? null : null;
  return workspaceVolume(config.workspaceVolumeClaim, config.workspaceMountPath, serverPod, container);
}

export function planRun(input: RunPlanInput): RunPlan {
  const { config, identity } = input;
  const name = jobName(identity.agentId, identity.runId);
  const secretName = runSecretName(name);
  const chosen = input.serverPod ? findServerContainer(input.serverPod, input.serverContainerName) : null;
  const container = chosen?.container ?? null;
  const inherited = inheritedPodSettings(input.serverPod, container);
  const workspace = workspaceVolume(config.workspaceVolumeClaim, config.workspaceMountPath, input.serverPod, container);
  // The server's env names host paths (its run scratch directory): make them pod-local.
  const local = podLocalEnv([input.runVars, config.env]);
  const [runVars = {}, configEnv = {}] = local.layers;
  const secretRunVars = input.secretRunVars ?? {};
  const secretRefs = Object.keys(secretRunVars).map((name) => ({ name, secretName, key: envSecretKey(name) }));
  if (input.agentToken) secretRefs.push({ name: AGENT_TOKEN_ENV, secretName, key: SECRET_KEY.agentToken });
  const env = buildAgentEnv({
    serverContainer: container,
    podVars: agentHomeVars(workspace, identity.agentId),
    runVars,
    configEnv,
    secretRefs,
    configEnvSecret: secretName,
    isForbidden: input.isForbidden,
  });
  const errors: SpecError[] = env.errors.map((e) => ({ code: "k8s_invalid_spec", message: e.message }));
  const image = config.image ?? inherited.image;
  if (!image) {
    errors.push({ code: "k8s_invalid_spec", message: "image: no image configured and none to inherit (the server is not running in a pod we can read); set adapterConfig.image" });
  }
  const labels = runLabels(identity, config.labels);
  const annotations = runAnnotations(identity);
  const fresh = !input.resumeSessionId;
  const bundle = input.bundle ?? null;
  const sendInstructions = fresh && bundle === null && input.instructions !== null;
  const secret = buildRunSecret({
    name: secretName, namespace: input.namespace, labels, annotations, prompt: input.prompt,
    agentToken: input.agentToken, instructions: sendInstructions ? input.instructions : null, createdAt: input.now,
    env: { ...secretConfigEnv(configEnv), ...secretRunVars },
    files: Object.fromEntries((bundle?.inline ?? []).map((file) => [inlineBundleKey(file.path), file.content])),
  });
  if (!secret.ok) errors.push(secret.error);
  if (!image || !secret.ok || errors.length > 0) return { ok: false, errors };
  const args = buildClaudeArgs({
    resumeSessionId: input.resumeSessionId, model: config.model, effort: config.effort,
    maxTurns: config.maxTurnsPerRun,
    instructionsFilePath: sendInstructions ? INSTRUCTIONS_FILE : fresh ? (bundle?.instructionsFile ?? null) : null,
    addDir: bundle?.dir ?? null, dangerouslySkipPermissions: config.dangerouslySkipPermissions, extraArgs: config.extraArgs,
  });
  const job = buildJobManifest({
    name, namespace: input.namespace, secretName, labels, annotations, config, image, inherited, workspace,
    env: env.env, envFrom: env.envFrom, command: containerCommand(PROMPT_FILE, args),
    hasInstructions: sendInstructions, bundleItems: bundleItems(bundle),
    workingDir: workingDirFor(runCwd(input.cwd, input.workspaceSource ?? null, config.cwd), workspace),
  });
  const notes = [...(chosen ? [`server container: ${chosen.how}`] : []), ...env.notes, ...local.notes];
  notes.push(workspace ? `shared volume: ${workspace.how}` : "no shared volume: HOME is ephemeral, sessions cannot be resumed");
  return { ok: true, jobName: name, secretName, secret: secret.secret, job, sharedVolume: workspace !== null, notes };
}
