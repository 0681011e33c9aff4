// Which pod this process runs in, when it runs in a cluster: the pod whose image, pull secrets,
// DNS settings and shared volume agent pods inherit. Kubernetes sets HOSTNAME to the pod's name
// (unless the pod spec overrides hostname; POD_NAME from the downward API wins when set), and
// the service-account mount carries the namespace.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { SERVICE_ACCOUNT_DIR } from "./client.ts";

export interface PodRef {
  namespace: string;
  name: string;
}

export interface OwnPodOptions {
  env?: Record<string, string | undefined>;
  serviceAccountDir?: string;
}

/** The pod this process runs in, or null outside a cluster (or when it cannot be named). */
export function ownPodRef(options: OwnPodOptions = {}): PodRef | null {
  const env = options.env ?? process.env;
  if (!env.KUBERNETES_SERVICE_HOST) return null;
  const name = env.POD_NAME?.trim() || env.HOSTNAME?.trim();
  const namespaceFile = path.join(options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, "namespace");
  const fromFile = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "";
  const namespace = env.POD_NAMESPACE?.trim() || fromFile;
  return name && namespace ? { namespace, name } : null;
}
