// The contract between kube-sim's object store and everything that reads or writes it: the HTTP
// API layer, the controllers (Job, GC, TTL) and the kubelet. The store is in-process and
// synchronous; watchers are called synchronously after each committed change.

/** A Kubernetes object as JSON: apiVersion, kind, metadata, and whatever else it carries. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

/** Identifies a resource type: e.g. {group: "batch", version: "v1", resource: "jobs"}. */
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  resource: string; // plural, lower case
  kind: string;
  namespaced: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  object: KubeObject; // a deep copy; safe to keep
  resourceVersion: number;
  /** MODIFIED and DELETED: the object as it was before this change (for selector-filtered watches). */
  previous?: KubeObject;
}

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: string; // Kubernetes selector syntax; invalid -> StatusError 400
  fieldSelector?: string; // metadata.name, metadata.namespace, status.phase, spec.nodeName
  limit?: number;
  continue?: string;
  /** With resourceVersionMatch "Exact": the state at this version (410 once compacted). */
  resourceVersion?: number;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

/**
 * Thrown by the store (and the API layer) for any failed request: carries the exact
 * metav1.Status body the real API server would send.
 */
export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

export interface Store {
  /** Assigns uid, resourceVersion, creationTimestamp and a name from generateName. 409 if taken. */
  create(resource: ResourceType, object: KubeObject): KubeObject;
  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject; // 404
  tryGet(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: ResourceType, namespace: string | undefined, options?: ListOptions): ListResult;
  /** Replace; 409 when object.metadata.resourceVersion is set and stale. */
  update(resource: ResourceType, object: KubeObject, options?: { subresource?: "status" }): KubeObject;
  /** Read-modify-write helper for controllers: retries nothing, never conflicts. */
  mutate(resource: ResourceType, namespace: string | undefined, name: string,
    change: (object: KubeObject) => void): KubeObject;
  /** Honours finalizers (sets deletionTimestamp), propagation (GC does the dependents). */
  delete(resource: ResourceType, namespace: string | undefined, name: string, options?: DeleteOptions): KubeObject;
  /** Events after `sinceResourceVersion` (replayed from history), then live ones. */
  watch(resource: ResourceType | undefined, namespace: string | undefined, sinceResourceVersion: number | undefined,
    onEvent: (event: StoreEvent) => void): () => void;
  /** The oldest resourceVersion a watch on `resource` (or on every type) may start from (older -> 410 Expired). */
  oldestWatchableVersion(resource?: ResourceType): number;
  currentResourceVersion(): number;
  /** Every committed version of one object, for ground truth and invariants. */
  history(resource: ResourceType, namespace: string | undefined, name: string): StoreEvent[];
}
