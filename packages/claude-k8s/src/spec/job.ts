// The Job that runs one Claude run. One pod, never retried (a retry would rerun an agent's
// side effects), no service-account token, non-root, every capability dropped.
import type {
  V1Container,
  V1EnvFromSource,
  V1EnvVar,
  V1Job,
  V1KeyToPath,
  V1PodSpec,
  V1ResourceRequirements,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { ClaudeK8sConfig, ResourceQuantities } from "../config/types.ts";
import type { InheritedPodSettings, WorkspaceVolume } from "./inherit.ts";
import { POD_SCRATCH_DIR, SCRATCH_VOLUME } from "./scratch.ts";
import { SECRET_KEY } from "./secret.ts";
import { agentDirName } from "./names.ts";
import { posix } from "node:path";

export const CLAUDE_CONTAINER = "claude";
/** Where the run Secret's files appear in the pod (read-only). */
export const RUN_DIR = "/var/run/paperclip";
export const PROMPT_FILE = `${RUN_DIR}/${SECRET_KEY.prompt}`;
export const INSTRUCTIONS_FILE = `${RUN_DIR}/${SECRET_KEY.instructions}`;
/** HOME when there is no shared volume: an emptyDir, so sessions do not survive the pod. */
export const EPHEMERAL_HOME = "/home/paperclip";
export const DEFAULT_UID = 1000;
/** Kubernetes' own deadline is a backstop for when no adapter is watching (server down):
 * it fires this long after the adapter's (timeoutSec + graceSec), so the adapter's deadline,
 * which records why it ended the run (C14), normally wins. */
export const DEADLINE_BACKSTOP_SEC = 60;

/** HOME for an agent: one directory per agent on the shared volume (sessions survive for
 * `--resume`; agents never share credentials or settings), else the ephemeral one. */
export function agentHome(workspace: WorkspaceVolume | null, agentId: string): string {
  if (!workspace) return EPHEMERAL_HOME;
  return posix.join(workspace.mountPath, ".paperclip-claude", agentDirName(agentId));
}

/** HOME and CLAUDE_CONFIG_DIR, for the env's pod layer. */
export function agentHomeVars(workspace: WorkspaceVolume | null, agentId: string): Record<string, string> {
  const home = agentHome(workspace, agentId);
  return { HOME: home, CLAUDE_CONFIG_DIR: posix.join(home, ".claude") };
}

/** Which cwd a run works in, as claude_local decides: the workspace's, except that a configured
 * cwd replaces the agent-home fallback workspace; else the configured one. */
export function runCwd(workspaceCwd: string | null, workspaceSource: string | null, configuredCwd: string | null): string | null {
  if (workspaceSource === "agent_home" && configuredCwd) return configuredCwd;
  return workspaceCwd || configuredCwd;
}

/** The container's working directory: the workspace cwd when it lies under the shared mount
 * (the same path the server sees); otherwise none (the image's default). */
export function workingDirFor(cwd: string | null, workspace: WorkspaceVolume | null): string | null {
  if (!cwd || !workspace || !posix.isAbsolute(cwd)) return null;
  const normal = posix.normalize(cwd);
  const rel = posix.relative(workspace.mountPath, normal);
  return rel === "" || (!rel.startsWith("..") && !posix.isAbsolute(rel)) ? normal : null;
}

export interface JobInput {
  name: string;
  namespace: string;
  secretName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  config: ClaudeK8sConfig;
  image: string;
  inherited: InheritedPodSettings;
  workspace: WorkspaceVolume | null;
  env: V1EnvVar[];
  envFrom: V1EnvFromSource[];
  /** The container command, from containerCommand() (already escaped). */
  command: string[];
  hasInstructions: boolean;
  /** The inline prompt bundle's files, projected from the run Secret under RUN_DIR/bundle. */
  bundleItems?: V1KeyToPath[];
  workingDir: string | null;
}

function quantities(q: ResourceQuantities): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (typeof v === "string" && v.length > 0) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

function resourcesFor(config: ClaudeK8sConfig): V1ResourceRequirements {
  const out: V1ResourceRequirements = {};
  const requests = quantities(config.resources.requests);
  const limits = quantities(config.resources.limits);
  if (requests) out.requests = requests;
  if (limits) out.limits = limits;
  return out;
}

function volumesFor(input: JobInput): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const items: V1KeyToPath[] = [{ key: SECRET_KEY.prompt, path: SECRET_KEY.prompt }];
  if (input.hasInstructions) items.push({ key: SECRET_KEY.instructions, path: SECRET_KEY.instructions });
  items.push(...(input.bundleItems ?? []));
  // 0440 + fsGroup: readable by the non-root user through its group, by nobody else.
  const volumes: V1Volume[] = [{ name: "run", secret: { secretName: input.secretName, defaultMode: 0o440, items } }];
  const mounts: V1VolumeMount[] = [{ name: "run", mountPath: RUN_DIR, readOnly: true }];
  if (input.workspace) {
    volumes.push(input.workspace.volume);
    const mount: V1VolumeMount = { name: input.workspace.volume.name, mountPath: input.workspace.mountPath };
    if (input.workspace.subPath) mount.subPath = input.workspace.subPath;
    mounts.push(mount);
  } else {
    volumes.push({ name: "home", emptyDir: {} });
    mounts.push({ name: "home", mountPath: EPHEMERAL_HOME });
  }
  // The run's scratch space: what the server's host scratch directory becomes (spec/scratch.ts).
  volumes.push({ name: SCRATCH_VOLUME, emptyDir: {} });
  mounts.push({ name: SCRATCH_VOLUME, mountPath: POD_SCRATCH_DIR });
  return { volumes, mounts };
}

function containerFor(input: JobInput, mounts: V1VolumeMount[]): V1Container {
  const container: V1Container = {
    name: CLAUDE_CONTAINER,
    image: input.image,
    imagePullPolicy: input.config.imagePullPolicy,
    command: input.command,
    env: input.env,
    resources: resourcesFor(input.config),
    volumeMounts: mounts,
    // Claude writes to HOME, /tmp and tool caches: a read-only root filesystem would break
    // ordinary tool use, so the root stays writable (and dies with the pod).
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
    },
  };
  if (input.envFrom.length > 0) container.envFrom = input.envFrom;
  // workingDir is not subject to the kubelet's $(VAR) expansion: no escaping.
  if (input.workingDir) container.workingDir = input.workingDir;
  return container;
}

function podSpecFor(input: JobInput): V1PodSpec {
  const { config, inherited } = input;
  const { volumes, mounts } = volumesFor(input);
  const spec: V1PodSpec = {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: DEFAULT_UID,
      runAsGroup: DEFAULT_UID,
      fsGroup: DEFAULT_UID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [containerFor(input, mounts)],
    volumes,
  };
  if (config.graceSec > 0) spec.terminationGracePeriodSeconds = config.graceSec;
  if (config.serviceAccountName) spec.serviceAccountName = config.serviceAccountName;
  if (Object.keys(config.nodeSelector).length > 0) spec.nodeSelector = { ...config.nodeSelector };
  if (config.tolerations.length > 0) spec.tolerations = config.tolerations.map((t) => ({ ...t }));
  if (config.affinity) spec.affinity = config.affinity as V1PodSpec["affinity"];
  if (inherited.imagePullSecrets.length > 0) spec.imagePullSecrets = inherited.imagePullSecrets;
  if (inherited.dnsPolicy) spec.dnsPolicy = inherited.dnsPolicy;
  if (inherited.dnsConfig) spec.dnsConfig = inherited.dnsConfig;
  return spec;
}

export function activeDeadlineFor(config: ClaudeK8sConfig): number | null {
  if (config.timeoutSec <= 0) return null;
  return config.timeoutSec + Math.max(0, config.graceSec) + DEADLINE_BACKSTOP_SEC;
}

export function buildJobManifest(input: JobInput): V1Job {
  const deadline = activeDeadlineFor(input.config);
  const job: V1Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.labels },
      annotations: { ...input.annotations },
    },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      podReplacementPolicy: "Failed",
      template: {
        metadata: { labels: { ...input.labels }, annotations: { ...input.annotations } },
        spec: podSpecFor(input),
      },
    },
  };
  const spec = job.spec;
  if (spec && deadline !== null) spec.activeDeadlineSeconds = deadline;
  if (spec && !input.config.retainJobs) spec.ttlSecondsAfterFinished = input.config.ttlSecondsAfterFinished;
  return job;
}
