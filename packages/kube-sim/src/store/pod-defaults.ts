// The defaults a real API server gives pods and pod templates. Two layers, as in Kubernetes:
// scheme defaulting (applies to pod templates inside Jobs as well: container pull policy and
// termination message, dnsPolicy, schedulerName, securityContext {}, grace period, resources {})
// and what only pods get on create (admission plugins ServiceAccount, Priority and
// DefaultTolerationSeconds; SetDefaults_Pod's enableServiceLinks and requests-from-limits; the
// registry's status.qosClass).
import { randomSuffix } from "./names.ts";

type Spec = Record<string, unknown>;
type Container = Record<string, unknown> & { image?: unknown; resources?: Resources; volumeMounts?: unknown[] };
interface Resources { requests?: Record<string, unknown>; limits?: Record<string, unknown>; [key: string]: unknown }

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** DefaultTolerationSeconds: pods stay 5 minutes on a node that is not ready or unreachable. */
export const DEFAULT_TOLERATION_SECONDS = 300;

function containersOf(spec: Spec): Container[] {
  const all = [spec.initContainers, spec.containers].filter(Array.isArray) as unknown[][];
  return all.flat().filter((c): c is Container => typeof c === "object" && c !== null);
}

/** Always for `:latest` or no tag (a digest counts as a tag), IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): "Always" | "IfNotPresent" {
  if (image.includes("@")) return "IfNotPresent";
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  if (colon === -1) return "Always";
  return lastPart.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(container: Container): void {
  if (typeof container.image === "string" && container.image !== "") container.imagePullPolicy ??= defaultPullPolicy(container.image);
  container.terminationMessagePath ??= "/dev/termination-log";
  container.terminationMessagePolicy ??= "File";
  container.resources ??= {};
  for (const port of Array.isArray(container.ports) ? container.ports as Record<string, unknown>[] : []) port.protocol ??= "TCP";
  for (const env of Array.isArray(container.env) ? container.env as { valueFrom?: { fieldRef?: Record<string, unknown> } }[] : []) {
    if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= "v1";
  }
}

function defaultVolumes(spec: Spec): void {
  for (const volume of Array.isArray(spec.volumes) ? spec.volumes as Record<string, Record<string, unknown> | undefined>[] : []) {
    if (volume.secret) volume.secret.defaultMode ??= 420;
    if (volume.configMap) volume.configMap.defaultMode ??= 420;
  }
}

/**
 * Scheme defaults: what pods and pod templates both get. A template without restartPolicy gets
 * Always too, which a Job then refuses (the real 422 names "Always").
 */
export function defaultPodTemplateSpec(spec: Spec): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  for (const container of containersOf(spec)) defaultContainer(container);
  defaultVolumes(spec);
  // serviceAccount is the deprecated alias the server keeps equal to serviceAccountName.
  if (typeof spec.serviceAccountName !== "string" || spec.serviceAccountName === "") {
    if (typeof spec.serviceAccount === "string" && spec.serviceAccount !== "") spec.serviceAccountName = spec.serviceAccount;
  }
  if (typeof spec.serviceAccountName === "string" && spec.serviceAccountName !== "") spec.serviceAccount = spec.serviceAccountName;
}

const NOT_READY_TOLERATIONS = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
  key, operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_TOLERATION_SECONDS,
}));

function addDefaultTolerations(spec: Spec): void {
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations as { key?: string; effect?: string; operator?: string }[] : [];
  const missing = NOT_READY_TOLERATIONS.filter((wanted) => !tolerations.some((t) =>
    (t.key === wanted.key || (t.key === undefined && t.operator === "Exists")) && (t.effect === undefined || t.effect === "NoExecute")));
  if (missing.length > 0) spec.tolerations = [...tolerations, ...missing.map((t) => ({ ...t }))];
}

/** The ServiceAccount admission plugin: `default` account and the projected token volume. */
function addServiceAccount(spec: Spec): void {
  spec.serviceAccountName ??= "default";
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.automountServiceAccountToken === false) return;
  const containers = containersOf(spec);
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => (m as { mountPath?: string }).mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  const name = `kube-api-access-${randomSuffix()}`;
  spec.volumes = [...Array.isArray(spec.volumes) ? spec.volumes : [], { name, projected: { defaultMode: 420, sources: [
    { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
  ] } }];
  for (const container of containers) {
    container.volumeMounts = [...container.volumeMounts ?? [], { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
  }
}

/** SetDefaults_Pod: a limit without a request makes the request equal to the limit. */
function requestsFromLimits(spec: Spec): void {
  for (const container of containersOf(spec)) {
    const resources = container.resources ?? {};
    if (!resources.limits) continue;
    resources.requests = { ...resources.limits, ...resources.requests };
  }
}

/** Guaranteed: cpu and memory limits everywhere, requests equal; BestEffort: nothing set; else Burstable. */
export function qosClassOf(spec: Spec): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = containersOf(spec);
  const resources = containers.map((c) => c.resources ?? {});
  const anySet = resources.some((r) => Object.keys(r.requests ?? {}).length > 0 || Object.keys(r.limits ?? {}).length > 0);
  if (!anySet) return "BestEffort";
  const guaranteed = resources.every((r) => ["cpu", "memory"].every((name) => {
    const limit = r.limits?.[name];
    return limit !== undefined && String(r.requests?.[name] ?? limit) === String(limit);
  }));
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** Everything a pod gets on create, on top of the template defaults. */
export function defaultPodOnCreate(spec: Spec): void {
  defaultPodTemplateSpec(spec);
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  requestsFromLimits(spec);
  addDefaultTolerations(spec);
  addServiceAccount(spec);
}
