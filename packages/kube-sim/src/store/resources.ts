// The resource types kube-sim serves, with what discovery (kubectl) needs to know about each.
import type { PropagationPolicy, ResourceType } from "./types.ts";

export interface ResourceDefinition extends ResourceType {
  listKind: string;
  verbs: string[];
  shortNames: string[];
  /** Subresources served under this resource, e.g. "status", "log", "eviction". */
  subresources: string[];
  /** Whether .status is written only through the status subresource. */
  hasStatusSubresource: boolean;
  /** DELETE without a propagationPolicy: Orphan for batch/v1 Jobs, Background otherwise. */
  defaultPropagation: PropagationPolicy;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function define(group: string, version: string, resource: string, kind: string, namespaced: boolean,
  extra: Partial<ResourceDefinition> = {}): ResourceDefinition {
  return {
    group, version, resource, kind, namespaced, listKind: `${kind}List`, verbs: ALL_VERBS, shortNames: [],
    subresources: [], hasStatusSubresource: false, defaultPropagation: "Background", ...extra,
  };
}

export const NAMESPACES = define("", "v1", "namespaces", "Namespace", false,
  { shortNames: ["ns"], subresources: ["status"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] });
export const PODS = define("", "v1", "pods", "Pod", true,
  { shortNames: ["po"], subresources: ["status", "log", "eviction"], hasStatusSubresource: true });
export const SECRETS = define("", "v1", "secrets", "Secret", true);
export const CONFIGMAPS = define("", "v1", "configmaps", "ConfigMap", true, { shortNames: ["cm"] });
export const EVENTS = define("", "v1", "events", "Event", true, { shortNames: ["ev"] });
export const PERSISTENTVOLUMECLAIMS = define("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true,
  { shortNames: ["pvc"], subresources: ["status"], hasStatusSubresource: true });
export const NODES = define("", "v1", "nodes", "Node", false,
  { shortNames: ["no"], subresources: ["status"], hasStatusSubresource: true });
export const JOBS = define("batch", "v1", "jobs", "Job", true,
  { subresources: ["status"], hasStatusSubresource: true, defaultPropagation: "Orphan" });
export const LEASES = define("coordination.k8s.io", "v1", "leases", "Lease", true);
export const EVENTS_V1 = define("events.k8s.io", "v1", "events", "Event", true, { shortNames: ["ev"] });
export const SELF_SUBJECT_ACCESS_REVIEWS = define("authorization.k8s.io", "v1", "selfsubjectaccessreviews",
  "SelfSubjectAccessReview", false, { verbs: ["create"] });

export const RESOURCES: readonly ResourceDefinition[] = [
  NAMESPACES, PODS, SECRETS, CONFIGMAPS, EVENTS, PERSISTENTVOLUMECLAIMS, NODES, JOBS, LEASES, EVENTS_V1,
  SELF_SUBJECT_ACCESS_REVIEWS,
];

/** Resources that are stored (access reviews are answered, never kept). */
export const STORED_RESOURCES = RESOURCES.filter((r) => r !== SELF_SUBJECT_ACCESS_REVIEWS);

export function findResource(group: string, version: string, plural: string): ResourceDefinition | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === plural);
}

/** The definition for any ResourceType value (matched by group and plural, not identity). */
export function definitionOf(resource: ResourceType): ResourceDefinition {
  const found = RESOURCES.find((r) => r.group === resource.group && r.resource === resource.resource);
  return found ?? define(resource.group, resource.version, resource.resource, resource.kind, resource.namespaced);
}

export function apiVersionOf(resource: ResourceType): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** The group/versions served, in discovery order. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}
