// Every Kubernetes permission the adapter uses, in one list: deploy/rbac.yaml is tested against
// it (both ways: nothing missing, nothing extra) and testEnvironment asks the API server about
// each verb with a SelfSubjectAccessReview. Change the code's API calls, change this list.

export interface RequiredAccess {
  /** API group ("" for core). */
  group: string;
  /** Plural resource name. */
  resource: string;
  subresource?: string;
  verbs: readonly string[];
  /** Why the adapter needs it, for the operator reading a denial. */
  why: string;
}

/** In the namespace where agent Jobs run (a Role there grants them). */
export const JOB_NAMESPACE_ACCESS: readonly RequiredAccess[] = [
  { group: "batch", resource: "jobs", verbs: ["create", "get", "list", "watch", "delete", "patch"],
    why: "one Job per run: created, watched, adopted after a restart, deleted on cancel or cleanup" },
  { group: "", resource: "pods", verbs: ["get", "list", "watch"],
    why: "the run's pod: its claude container's terminated state decides the outcome" },
  { group: "", resource: "pods", subresource: "log", verbs: ["get"], why: "streaming the run's output" },
  { group: "", resource: "secrets", verbs: ["create", "get", "list", "delete", "patch"],
    why: "the run Secret (prompt and per-run agent token), created before the Job and owned by it" },
  { group: "coordination.k8s.io", resource: "leases", verbs: ["create", "get", "list", "watch", "update", "delete"],
    why: "one Lease per agent: never two live Jobs for one agent, across server replicas; watched to answer liveness pings" },
  { group: "", resource: "events", verbs: ["list", "watch"],
    why: "read-only, to explain scheduling and image-pull failures" },
  { group: "", resource: "persistentvolumeclaims", verbs: ["get"],
    why: "checking that the shared workspace claim exists and is ReadWriteMany" },
];

/** In the server's own namespace, only when the server runs in a pod: reading that pod is how
 * image, pull secrets, DNS settings and the shared volume are inherited. */
export const SERVER_POD_ACCESS: RequiredAccess = {
  group: "", resource: "pods", verbs: ["get"],
  why: "reading the Paperclip server's own pod, to inherit its image, pull secrets, DNS and shared volume",
};

/** Cluster-wide, granted to every authenticated user by the built-in system:basic-user role, so
 * deploy/rbac.yaml need not list it: testEnvironment's own access reviews depend on it. */
export const ACCESS_REVIEW_ACCESS: RequiredAccess = {
  group: "authorization.k8s.io", resource: "selfsubjectaccessreviews", verbs: ["create"],
  why: "testEnvironment asking the API server which of these verbs are allowed",
};

/** "get pods/log", "create leases.coordination.k8s.io": how kubectl and RBAC errors name it. */
export function accessLabel(access: Pick<RequiredAccess, "group" | "resource" | "subresource">, verb: string): string {
  const resource = access.subresource ? `${access.resource}/${access.subresource}` : access.resource;
  return `${verb} ${access.group ? `${resource}.${access.group}` : resource}`;
}
