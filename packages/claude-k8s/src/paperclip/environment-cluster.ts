// testEnvironment, cluster part: ask the API server what a run will need, with the same answers
// a run would get. Every question is bounded in time (kube/probe.ts); every failure names what
// failed and carries a hint an operator can act on. The I/O is in kube/; this file turns answers
// into the host's check results.
import type { AdapterEnvironmentCheck } from "@paperclipai/adapter-utils";
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { loadKubeConfig, type LoadedKubeConfig } from "../kube/client.ts";
import { ownPodRef, type PodRef } from "../kube/own-pod.ts";
import { namespaceState, probeApiServer, readPod, type ProbeOptions } from "../kube/probe.ts";
import { findServerContainer, inheritedPodSettings } from "../spec/inherit.ts";
import { accessChecks } from "./environment-access.ts";
import { claimChecks } from "./environment-claim.ts";

export interface ClusterCheckOptions {
  /** The server's environment (process.env in production). */
  env: Record<string, string | undefined>;
  serviceAccountDir?: string;
  /** Cap for each API request (default kube/probe's DEFAULT_PROBE_TIMEOUT_MS). */
  timeoutMs?: number;
}

type Check = AdapterEnvironmentCheck;

const RBAC_HINT = "Apply deploy/rbac.yaml from the claude_k8s package (edit its namespaces and service account) and bind it to the identity the server uses.";

function loadChecks(config: ClaudeK8sConfig, options: ClusterCheckOptions): { loaded: LoadedKubeConfig | null; checks: Check[] } {
  try {
    const loaded = loadKubeConfig({ kubeconfigPath: config.kubeconfig, env: options.env,
      ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}) });
    return { loaded, checks: [] };
  } catch (error) {
    return { loaded: null, checks: [{ code: "k8s_kubeconfig_unavailable", level: "error", message: (error as Error).message,
      hint: "Set kubeconfig to a readable kubeconfig file on the server host, or run the server in a pod with a service account." }] };
  }
}

function namespaceOf(config: ClaudeK8sConfig, loaded: LoadedKubeConfig): { namespace: string; from: string } {
  if (config.namespace) return { namespace: config.namespace, from: "the namespace setting" };
  if (loaded.namespace) {
    return { namespace: loaded.namespace, from: loaded.source === "in-cluster" ? "the server's own namespace" : "the kubeconfig's current context" };
  }
  return { namespace: "default", from: "the default (no namespace configured)" };
}

async function apiCheck(kubeConfig: KubeConfig, probe: ProbeOptions): Promise<Check> {
  const server = kubeConfig.getCurrentCluster()?.server ?? "(no server)";
  const answer = await probeApiServer(kubeConfig, probe);
  if (answer.ok) {
    return { code: "k8s_api_reachable", level: "info", message: `The Kubernetes API server at ${server} answers (version ${answer.value}).` };
  }
  const { kind, message } = answer.error;
  const hint = kind === "unauthorized"
    ? "The API server rejected the credentials: renew the token or kubeconfig the server uses."
    : "Check the API server address, that it is up, and that the server host can reach it (network policy, firewall, proxy).";
  return { code: "k8s_api_unreachable", level: "error", message: `Cannot use the Kubernetes API server at ${server}: ${message}`, hint };
}

async function namespaceCheck(kubeConfig: KubeConfig, namespace: string, from: string, probe: ProbeOptions): Promise<Check> {
  const state = await namespaceState(kubeConfig, namespace, probe);
  if (!state.ok) {
    return { code: "k8s_namespace_unchecked", level: "warn", message: `Could not check namespace "${namespace}": ${state.error.message}`, hint: RBAC_HINT };
  }
  if (state.value === "exists") {
    return { code: "k8s_namespace_exists", level: "info", message: `Jobs run in namespace "${namespace}" (${from}); it exists.` };
  }
  if (state.value === "missing") {
    return { code: "k8s_namespace_missing", level: "error", message: `Namespace "${namespace}" (${from}) does not exist: no Job can be created there.`,
      hint: `Create it (kubectl create namespace ${namespace}) or set namespace to an existing one.` };
  }
  return { code: "k8s_namespace_unchecked", level: "warn",
    message: `Could not tell whether namespace "${namespace}" exists: the server may neither read namespaces nor create Secrets there.`, hint: RBAC_HINT };
}

interface ServerPod {
  ref: PodRef | null;
  pod: V1Pod | null;
  check: Check;
}

async function serverPodCheck(kubeConfig: KubeConfig, options: ClusterCheckOptions, probe: ProbeOptions): Promise<ServerPod> {
  const ref = ownPodRef({ env: options.env, ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}) });
  if (!ref) {
    return { ref, pod: null, check: { code: "k8s_not_in_cluster", level: "info",
      message: "The server does not run in a Kubernetes pod: nothing is inherited (image, pull secrets, DNS, shared volume); configure them." } };
  }
  const read = await readPod(kubeConfig, ref.namespace, ref.name, probe);
  if (read.ok && read.value) {
    return { ref, pod: read.value, check: { code: "k8s_server_pod_readable", level: "info",
      message: `The server's own pod ${ref.namespace}/${ref.name} is readable: agent pods inherit its settings where not configured.` } };
  }
  const why = read.ok ? "it was not found (is HOSTNAME the pod's name? set POD_NAME from the downward API)" : read.error.message;
  return { ref, pod: null, check: { code: "k8s_server_pod_unreadable", level: "warn",
    message: `Cannot read the server's own pod ${ref.namespace}/${ref.name}: ${why}. Nothing is inherited from it.`,
    hint: read.ok ? "Set POD_NAME (fieldRef metadata.name) and POD_NAMESPACE on the server container."
      : `Allow get pods in namespace "${ref.namespace}" (deploy/rbac.yaml's paperclip-claude-k8s-self Role), or configure image and workspace settings.` } };
}

function imageCheck(config: ClaudeK8sConfig, pod: V1Pod | null): Check {
  if (config.image) return { code: "k8s_image_configured", level: "info", message: `Jobs use the configured image ${config.image}.` };
  const chosen = pod ? findServerContainer(pod, null) : null;
  const image = inheritedPodSettings(pod, chosen?.container ?? null).image;
  if (image) {
    return { code: "k8s_image_from_server_pod", level: "info", message: `Jobs use the server's own image ${image} (${chosen?.how ?? "server pod"}).` };
  }
  return { code: "k8s_image_missing", level: "error", message: "No image for the Jobs: none is configured and none can be inherited from the server's pod.",
    hint: "Set image to an image that contains the claude CLI." };
}

/** What the cluster says about this config; resolves within a few request timeouts. */
export async function clusterEnvironmentChecks(config: ClaudeK8sConfig, options: ClusterCheckOptions): Promise<Check[]> {
  const { loaded, checks } = loadChecks(config, options);
  if (!loaded) return checks;
  const kubeConfig = loaded.kubeConfig;
  const probe: ProbeOptions = options.timeoutMs ? { timeoutMs: options.timeoutMs } : {};
  const api = await apiCheck(kubeConfig, probe);
  checks.push(api);
  if (api.level === "error") return checks;
  const { namespace, from } = namespaceOf(config, loaded);
  const [namespaceResult, access, server] = await Promise.all([
    namespaceCheck(kubeConfig, namespace, from, probe),
    accessChecks(kubeConfig, namespace, probe),
    serverPodCheck(kubeConfig, options, probe),
  ]);
  checks.push(namespaceResult, ...access, server.check, imageCheck(config, server.pod));
  checks.push(...await claimChecks(kubeConfig, { config, namespace, serverPod: server.pod, serverNamespace: server.ref?.namespace ?? null }, probe));
  return checks;
}
