// Turns one container of a pod spec into what the process runner needs: argv (with $(VAR)
// expansion), environment, user, working directory and volume mounts.

import type { KubeObject } from "../store/types.ts";
import { EnvConfigError, expandVariables, resolveEnv, type ContainerEnvSpec, type EnvLookups } from "./env.ts";
import type { ImageRuntime } from "./images.ts";
import type { ContainerProcessSpec, Isolation } from "./process.ts";
import { containerMounts, type PodVolume } from "./volumes.ts";

interface SecurityContext { runAsUser?: number; runAsGroup?: number }
interface PodSecurityContext extends SecurityContext { fsGroup?: number; supplementalGroups?: number[] }

export interface ContainerSpec extends ContainerEnvSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

export interface PodSpecView {
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: PodVolume[];
  securityContext?: PodSecurityContext;
  restartPolicy?: "Always" | "OnFailure" | "Never";
  terminationGracePeriodSeconds?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: "Equal" | "Exists"; value?: string; effect?: string }[];
}

export function podSpec(pod: KubeObject): PodSpecView {
  return (pod.spec ?? {}) as PodSpecView;
}

/** Raised for a container the runtime cannot create at all (CreateContainerError). */
export class CreateContainerError extends Error {}

export interface SpecContext {
  pod: KubeObject;
  image: ImageRuntime;
  volumes: Map<string, string>;
  lookups: EnvLookups;
  isolation: Isolation;
  scratchDir: string;
  hostPath: string;
}

/** uid, gid and supplementary groups (fsGroup and supplementalGroups, as a container runtime adds them). */
function user(pod: PodSpecView, container: ContainerSpec): { uid: number; gid: number; groups: number[] } | undefined {
  const uid = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup ?? 0;
  const fsGroup = pod.securityContext?.fsGroup;
  const groups = [...new Set([...fsGroup !== undefined ? [fsGroup] : [], ...pod.securityContext?.supplementalGroups ?? []])];
  return uid === undefined ? undefined : { uid, gid, groups };
}

/** Throws EnvConfigError (CreateContainerConfigError) or CreateContainerError. */
export function processSpec(container: ContainerSpec, context: SpecContext): ContainerProcessSpec {
  const spec = podSpec(context.pod);
  if (!container.command || container.command.length === 0) {
    throw new CreateContainerError(`container "${container.name}": kube-sim does not know image "${container.image ?? ""}"'s `
      + "entrypoint; set command (and args) in the container spec");
  }
  const vars = resolveEnv(context.pod, container, context.lookups);
  const argv = [...container.command, ...(container.args ?? [])].map((arg) => expandVariables(arg, vars));
  const mounts = containerMounts(container, context.volumes, spec.volumes ?? []);
  const runAs = user(spec, container);
  const binDir = context.image === "host" ? undefined : context.image.binDir;
  const env: Record<string, string> = {
    PATH: binDir ? `${binDir}:${context.hostPath}` : context.hostPath,
    HOSTNAME: context.pod.metadata.name ?? "",
    HOME: runAs === undefined || runAs.uid === 0 ? "/root" : "/",
  };
  if (context.isolation === "direct") {
    // Mount paths are not real in this mode: point the container at the host directories.
    for (const [name, hostDir] of context.volumes) env[`KUBE_SIM_VOLUME_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] = hostDir;
  }
  Object.assign(env, vars);
  const canSwitchUser = process.getuid?.() === 0;
  return {
    argv, env, mounts, isolation: context.isolation, scratchDir: context.scratchDir,
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    ...(runAs && canSwitchUser ? { user: runAs } : {}),
    ...(context.isolation === "namespace" ? { hostname: context.pod.metadata.name ?? "" } : {}),
  };
}

export { EnvConfigError };
