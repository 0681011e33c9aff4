// Where the adapter's Kubernetes credentials come from, decided once and reported (`source`):
// an explicit kubeconfig path, else the pod's service account when running in a cluster, else
// KUBECONFIG / ~/.kube/config. The environment and the service-account directory are injected
// so the choice can be tested without a cluster; nothing falls back silently to localhost.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export type KubeConfigSource = "kubeconfig-file" | "in-cluster" | "default";

export type LoadKubeConfigOptions = {
  kubeconfigPath?: string | null;
  env?: Record<string, string | undefined>;
  serviceAccountDir?: string;
};

export type LoadedKubeConfig = { kubeConfig: KubeConfig; source: KubeConfigSource; namespace: string | null };

/** Builds a KubeConfig from the first usable source; throws an error naming what was tried and the fix. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (options.kubeconfigPath) {
    return { ...fromFile(options.kubeconfigPath, "kubeconfigPath"), source: "kubeconfig-file" };
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host && existsSync(path.join(serviceAccountDir, "token"))) {
    return { ...inCluster(host, env.KUBERNETES_SERVICE_PORT ?? "443", serviceAccountDir), source: "in-cluster" };
  }
  const candidates = defaultKubeconfigPaths(env);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return { ...fromFile(found, env.KUBECONFIG ? "KUBECONFIG" : "~/.kube/config"), source: "default" };
  const inClusterHint = host
    ? `KUBERNETES_SERVICE_HOST is set but ${path.join(serviceAccountDir, "token")} does not exist (is automountServiceAccountToken off?)`
    : "not running in a cluster (KUBERNETES_SERVICE_HOST is unset)";
  throw new Error(`No Kubernetes cluster configured: no kubeconfigPath given, ${inClusterHint}, and no kubeconfig at ${candidates.join(", ") || "~/.kube/config (HOME is unset)"}. `
    + "Set the adapter's kubeconfigPath, set KUBECONFIG, or run the server in a pod with a service account.");
}

/** KUBECONFIG's files (path-list) when set, else ~/.kube/config. */
export function defaultKubeconfigPaths(env: Record<string, string | undefined>): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(path.delimiter).filter((entry) => entry !== "");
  const home = env.HOME ?? env.USERPROFILE;
  return home ? [path.join(home, ".kube", "config")] : [];
}

function fromFile(file: string, setting: string): { kubeConfig: KubeConfig; namespace: string | null } {
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    const why = (error as { code?: string }).code === "ENOENT" ? "does not exist" : "cannot be read";
    throw new Error(`kubeconfig ${file} (from ${setting}) ${why}: fix the path or its permissions, or unset ${setting} to use in-cluster credentials`, { cause: error });
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(file);
  } catch (error) {
    throw new Error(`kubeconfig ${file} (from ${setting}) is not a valid kubeconfig: ${(error as Error).message}`, { cause: error });
  }
  if (!kubeConfig.getCurrentCluster()) {
    const context = kubeConfig.getCurrentContext() || "(none)";
    throw new Error(`kubeconfig ${file} (from ${setting}) has no cluster for its current context "${context}": set current-context to a context whose cluster exists`);
  }
  const namespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  return { kubeConfig, namespace: namespace ? namespace : null };
}

function inCluster(host: string, port: string, serviceAccountDir: string): { kubeConfig: KubeConfig; namespace: string | null } {
  // client-node's loadFromCluster reads process.env and a fixed directory; this is the same
  // shape with both injected. The token is re-read from its file (projected tokens rotate).
  const scheme = port === "80" || port === "8080" || port === "8001" ? "http" : "https";
  const serverHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const namespaceFile = path.join(serviceAccountDir, "namespace");
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "";
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "inCluster", server: `${scheme}://${serverHost}:${port}`, caFile: path.join(serviceAccountDir, "ca.crt"), skipTLSVerify: false }],
    users: [{ name: "inClusterUser", authProvider: { name: "tokenFile", config: { tokenFile: path.join(serviceAccountDir, "token") } } }],
    contexts: [{ name: "inClusterContext", cluster: "inCluster", user: "inClusterUser", ...(namespace ? { namespace } : {}) }],
    currentContext: "inClusterContext",
  });
  return { kubeConfig, namespace: namespace || null };
}
