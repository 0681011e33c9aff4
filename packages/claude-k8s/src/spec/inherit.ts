// What an agent pod takes from the Paperclip server's own pod: the server's container (found
// by name: a service-mesh sidecar may be listed first), its image, pull secrets, DNS settings
// and the volume behind the shared workspace.
import type {
  V1Container,
  V1LocalObjectReference,
  V1Pod,
  V1PodDNSConfig,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";

/** Containers that are never the Paperclip server (injected proxies and agents). */
const KNOWN_SIDECARS = new Set([
  "istio-proxy", "istio-init", "linkerd-proxy", "linkerd-init", "envoy", "envoy-sidecar",
  "cloud-sql-proxy", "cloudsql-proxy", "vault-agent", "vault-agent-init", "consul-connect-envoy",
  "kuma-sidecar", "datadog-agent", "fluent-bit", "oauth2-proxy",
]);
const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

export interface ServerContainerChoice {
  container: V1Container | null;
  /** How it was chosen, for testEnvironment and the run log. */
  how: string;
}

/** The server's container: by the configured name; else the only container; else the pod's
 * `kubectl.kubernetes.io/default-container`; else the first one that is not a known sidecar. */
export function findServerContainer(pod: V1Pod, name: string | null): ServerContainerChoice {
  const containers = pod.spec?.containers ?? [];
  if (name) {
    const named = containers.find((c) => c.name === name);
    if (named) return { container: named, how: `container "${name}" (by name)` };
  }
  const missing = name ? `no container named "${name}"; ` : "";
  if (containers.length === 1 && containers[0]) {
    return { container: containers[0], how: `${missing}the pod's only container "${containers[0].name}"` };
  }
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const byAnnotation = annotated ? containers.find((c) => c.name === annotated) : undefined;
  if (byAnnotation) {
    return { container: byAnnotation, how: `${missing}container "${byAnnotation.name}" named by ${DEFAULT_CONTAINER_ANNOTATION}` };
  }
  const firstReal = containers.find((c) => !KNOWN_SIDECARS.has(c.name));
  if (firstReal) {
    return { container: firstReal, how: `${missing}the first container that is not a known sidecar: "${firstReal.name}"` };
  }
  return { container: null, how: `${missing}no usable container among ${containers.length}; set the server's container name` };
}

export interface WorkspaceVolume {
  volume: V1Volume;
  /** Where the agent container mounts it: the same absolute path the server sees. */
  mountPath: string;
  subPath?: string;
  how: string;
}

/** Volume kinds two pods (possibly on two nodes) can share. emptyDir and the like cannot. */
function isShareable(volume: V1Volume): boolean {
  return Boolean(volume.persistentVolumeClaim || volume.nfs || volume.csi || volume.cephfs ||
    volume.glusterfs || volume.azureFile);
}

/** The shared workspace volume: a configured claim wins; otherwise the server's own mount at
 * `mountPath`, when it is backed by something another pod can mount. Null = no shared volume. */
export function workspaceVolume(
  claimName: string | null,
  mountPath: string | null,
  pod: V1Pod | null,
  container: V1Container | null,
): WorkspaceVolume | null {
  if (!mountPath) return null;
  if (claimName) {
    return {
      volume: { name: "workspace", persistentVolumeClaim: { claimName } },
      mountPath,
      how: `claim "${claimName}" from config`,
    };
  }
  const mount: V1VolumeMount | undefined = container?.volumeMounts?.find(
    (m) => trimSlash(m.mountPath) === trimSlash(mountPath),
  );
  const source = mount ? pod?.spec?.volumes?.find((v) => v.name === mount.name) : undefined;
  if (!mount || !source || !isShareable(source)) return null;
  const result: WorkspaceVolume = {
    volume: { ...source, name: "workspace" },
    mountPath,
    how: `the server's volume "${source.name}"${source.persistentVolumeClaim ? ` (claim ${source.persistentVolumeClaim.claimName})` : ""} mounted at ${mount.mountPath}`,
  };
  if (mount.subPath) result.subPath = mount.subPath;
  return result;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** Pod-level settings inherited from the server pod unless configured. */
export interface InheritedPodSettings {
  image: string | null;
  imagePullSecrets: V1LocalObjectReference[];
  dnsPolicy: string | null;
  dnsConfig: V1PodDNSConfig | null;
}

export function inheritedPodSettings(pod: V1Pod | null, container: V1Container | null): InheritedPodSettings {
  return {
    image: container?.image ?? null,
    imagePullSecrets: pod?.spec?.imagePullSecrets ?? [],
    dnsPolicy: pod?.spec?.dnsPolicy ?? null,
    dnsConfig: pod?.spec?.dnsConfig ?? null,
  };
}
