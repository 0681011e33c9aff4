// Zero values as the real API server writes them. Its objects are Go structs encoded with
// encoding/json, so a field tagged `omitempty` is absent when it is 0, "", false, an empty
// slice or an empty map (and a nil pointer); a pointer to 0 (Job status.ready, Lease
// spec.leaseTransitions) and a field without omitempty (container restartCount, ready) stay.
// A client that reads `status.active === 0` or `labels: {}` must fail here as on a cluster.
import type { KubeObject } from "./types.ts";

/**
 * Paths of non-pointer omitempty fields, per kind ("metadata" for every kind); `[]` steps into
 * every element of a list. `maps` are Go maps, dropped when empty; `scalars` are ints, strings,
 * bools and slices, dropped when zero or empty. (Go structs are never omitted, even when empty.)
 */
interface OmitRules { scalars: string[]; maps: string[] }

/** Time fields that are structs, not pointers: a zero one is written as null, not omitted. */
const NULL_WHEN_ZERO = new Set(["creationTimestamp", "lastProbeTime", "lastTransitionTime", "lastHeartbeatTime",
  "startedAt", "finishedAt", "firstTimestamp", "lastTimestamp", "eventTime", "deprecatedFirstTimestamp",
  "deprecatedLastTimestamp", "lastObservedTime"]);

const META: OmitRules = {
  scalars: ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "ownerReferences", "finalizers", "managedFields"],
  maps: ["labels", "annotations"],
};

const STATE_FIELDS = ["waiting.reason", "waiting.message", "terminated.signal", "terminated.reason",
  "terminated.message", "terminated.containerID"];
const CONTAINER_STATUS = ["containerID", "volumeMounts", "user",
  ...STATE_FIELDS.flatMap((field) => [`state.${field}`, `lastState.${field}`])];

const CONTAINER = ["command", "args", "workingDir", "ports", "envFrom", "env", "env[].value", "volumeMounts",
  "volumeDevices", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "stdin", "stdinOnce",
  "tty", "resizePolicy"];

function podSpec(prefix: string): OmitRules {
  const containers = ["containers", "initContainers"].flatMap((list) => CONTAINER.map((f) => `${prefix}${list}[].${f}`));
  return {
    scalars: [...["volumes", "initContainers", "restartPolicy", "dnsPolicy", "serviceAccountName", "serviceAccount",
      "nodeName", "hostNetwork", "hostPID", "hostIPC", "imagePullSecrets", "hostname", "subdomain", "schedulerName",
      "tolerations", "hostAliases", "priorityClassName", "readinessGates", "topologySpreadConstraints",
      "schedulingGates", "resourceClaims"].map((f) => `${prefix}${f}`), ...containers],
    maps: [`${prefix}nodeSelector`, `${prefix}overhead`],
  };
}

const POD_STATUS = ["phase", "conditions", "conditions[].reason", "conditions[].message", "message", "reason",
  "nominatedNodeName", "hostIP", "hostIPs", "podIP", "podIPs", "qosClass", "resize", "resourceClaimStatuses",
  "initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses",
  ...["initContainerStatuses", "containerStatuses"].flatMap((list) => CONTAINER_STATUS.map((f) => `${list}[].${f}`)),
].map((f) => `status.${f}`);

const OBJECT_REFERENCE = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"];

const RULES: Record<string, OmitRules> = {
  Pod: { scalars: [...podSpec("spec.").scalars, ...POD_STATUS], maps: podSpec("spec.").maps },
  Job: {
    scalars: [...podSpec("spec.template.spec.").scalars, "status.conditions", "status.conditions[].reason",
      "status.conditions[].message", "status.active", "status.succeeded", "status.failed", "status.completedIndexes",
      "status.uncountedTerminatedPods.succeeded", "status.uncountedTerminatedPods.failed"],
    maps: [...podSpec("spec.template.spec.").maps, "spec.template.metadata.labels", "spec.template.metadata.annotations"],
  },
  Secret: { scalars: ["type"], maps: ["data", "stringData"] },
  ConfigMap: { scalars: [], maps: ["data", "binaryData"] },
  Namespace: { scalars: ["spec.finalizers", "status.phase", "status.conditions"], maps: [] },
  Event: {
    // core/v1 Event; events.k8s.io/v1 Event shares the kind (its own fields are listed too).
    scalars: ["count", "message", "reason", "type", "action", "source.component", "source.host", "series.count",
      ...OBJECT_REFERENCE.map((f) => `involvedObject.${f}`), ...OBJECT_REFERENCE.map((f) => `regarding.${f}`),
      "reportingController", "note", "deprecatedCount", "deprecatedSource.component", "deprecatedSource.host"],
    maps: [],
  },
};

function isZero(value: unknown, map: boolean): boolean {
  if (value === null || value === undefined) return true;
  if (map) return typeof value === "object" && Object.keys(value).length === 0;
  if (Array.isArray(value)) return value.length === 0;
  return value === 0 || value === "" || value === false;
}

/** Removes the field at `path` (dotted, `[]` for every element of a list) where it is zero. */
function omitAt(node: unknown, steps: string[], map: boolean): void {
  if (typeof node !== "object" || node === null) return;
  const [step = "", ...rest] = steps;
  const record = node as Record<string, unknown>;
  if (step.endsWith("[]")) {
    const list = record[step.slice(0, -2)];
    if (Array.isArray(list)) for (const item of list) omitAt(item, rest, map);
    return;
  }
  if (rest.length > 0) return omitAt(record[step], rest, map);
  if (step in record && isZero(record[step], map)) delete record[step];
}

/** A nil pointer (or a null for any omitempty field) is absent; zero Time structs stay null. */
function dropNulls(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) dropNulls(item);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (value === null && !NULL_WHEN_ZERO.has(key)) delete record[key];
    else dropNulls(value);
  }
}

/** Rewrites `object` in place as the real server would store and serve it. */
export function omitEmpty(object: KubeObject): void {
  dropNulls(object);
  for (const [rules, root] of [[META, object.metadata], [RULES[object.kind], object]] as const) {
    if (!rules) continue;
    for (const path of rules.scalars) omitAt(root, path.split("."), false);
    for (const path of rules.maps) omitAt(root, path.split("."), true);
  }
}
