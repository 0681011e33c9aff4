// testEnvironment's shared-volume check: the claim agent pods mount (configured, or the one the
// server's own pod mounts) must exist in the Jobs' namespace and be ReadWriteMany, since the
// server and every agent pod use it at once, possibly from different nodes.
import type { AdapterEnvironmentCheck } from "@paperclipai/adapter-utils";
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { claimAccessModes, readClaim, type ProbeOptions } from "../kube/probe.ts";
import { findServerContainer, workspaceVolume } from "../spec/inherit.ts";

type Check = AdapterEnvironmentCheck;

export interface ClaimCheckInput {
  config: ClaudeK8sConfig;
  /** Where the Jobs run. */
  namespace: string;
  serverPod: V1Pod | null;
  serverNamespace: string | null;
}

interface ClaimChoice {
  claimName: string | null;
  /** Set when there is nothing to read, or something to say instead. */
  check: Check | null;
}

function chooseClaim(input: ClaimCheckInput): ClaimChoice {
  const { config, serverPod } = input;
  if (config.workspaceVolumeClaim && !config.workspaceMountPath) {
    return { claimName: null, check: { code: "k8s_claim_not_mounted", level: "warn",
      message: `workspaceVolumeClaim "${config.workspaceVolumeClaim}" is set but workspaceMountPath is not: agent pods do not mount the claim.`,
      hint: "Set workspaceMountPath to the absolute path where the Paperclip server mounts the same claim." } };
  }
  if (config.workspaceVolumeClaim) return { claimName: config.workspaceVolumeClaim, check: null };
  const container = serverPod ? findServerContainer(serverPod, null).container : null;
  const inherited = workspaceVolume(null, config.workspaceMountPath, serverPod, container);
  if (!inherited) return { claimName: null, check: null };
  const claimName = inherited.volume.persistentVolumeClaim?.claimName ?? null;
  if (!claimName) {
    return { claimName: null, check: { code: "k8s_shared_volume_inherited", level: "info",
      message: `Agent pods mount ${inherited.how} (not a claim: its sharing is not checked).` } };
  }
  if (input.serverNamespace && input.serverNamespace !== input.namespace) {
    return { claimName: null, check: { code: "k8s_claim_other_namespace", level: "error",
      message: `The server's shared claim "${claimName}" is in namespace "${input.serverNamespace}", but Jobs run in "${input.namespace}": a pod can only mount claims of its own namespace.`,
      hint: `Run the Jobs in "${input.serverNamespace}" (namespace setting), or set workspaceVolumeClaim to a ReadWriteMany claim in "${input.namespace}" backed by the same storage.` } };
  }
  return { claimName, check: null };
}

export async function claimChecks(kubeConfig: KubeConfig, input: ClaimCheckInput, probe: ProbeOptions): Promise<Check[]> {
  const { claimName, check } = chooseClaim(input);
  if (check) return [check];
  if (!claimName) return [];
  const where = `claim "${claimName}" in namespace "${input.namespace}"`;
  const read = await readClaim(kubeConfig, input.namespace, claimName, probe);
  if (!read.ok) {
    return [{ code: "k8s_claim_unchecked", level: "warn", message: `Could not read the shared ${where}: ${read.error.message}`,
      hint: "Allow get persistentvolumeclaims in that namespace (deploy/rbac.yaml)." }];
  }
  if (!read.value) {
    return [{ code: "k8s_claim_missing", level: "error", message: `The shared ${where} does not exist: Jobs that mount it never start.`,
      hint: "Create a ReadWriteMany PersistentVolumeClaim that the Paperclip server mounts too, or fix workspaceVolumeClaim." }];
  }
  const modes = claimAccessModes(read.value);
  if (!modes.includes("ReadWriteMany")) {
    return [{ code: "k8s_claim_not_rwx", level: "error",
      message: `The shared ${where} is ${modes.join(", ") || "without access modes"}, not ReadWriteMany: the server and agent pods on other nodes cannot mount it at the same time.`,
      hint: "Use a ReadWriteMany claim (NFS, CephFS, EFS, Azure Files, Filestore...) shared by the server and the agent pods." }];
  }
  const phase = read.value.status?.phase ?? "unknown";
  if (phase === "Lost") {
    return [{ code: "k8s_claim_lost", level: "error", message: `The shared ${where} is Lost: its volume is gone.`,
      hint: "Restore or recreate the volume behind the claim." }];
  }
  return [{ code: "k8s_claim_ok", level: "info", message: `The shared ${where} exists and is ReadWriteMany (phase ${phase}).` }];
}
