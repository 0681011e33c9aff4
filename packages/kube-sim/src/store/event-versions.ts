// core/v1 Events and events.k8s.io/v1 Events are one stored object seen through two APIs, as in
// a real cluster: the store keeps the core form and converts at the boundary.
import type { KubeObject, ResourceType } from "./types.ts";

type Fields = Record<string, unknown>;

export function isEventsV1(resource: Pick<ResourceType, "group" | "resource">): boolean {
  return resource.group === "events.k8s.io" && resource.resource === "events";
}

/** Copies `from[a]` to `to[b]` for each [a, b] pair whose value is present. */
function rename(from: Fields, to: Fields, pairs: [string, string][]): void {
  for (const [a, b] of pairs) if (from[a] !== undefined) to[b] = from[a];
}

const CORE_TO_V1: [string, string][] = [
  ["eventTime", "eventTime"], ["series", "series"], ["reportingComponent", "reportingController"],
  ["reportingInstance", "reportingInstance"], ["action", "action"], ["reason", "reason"],
  ["involvedObject", "regarding"], ["related", "related"], ["message", "note"], ["type", "type"],
  ["source", "deprecatedSource"], ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"], ["count", "deprecatedCount"],
];

export function eventsV1FromCore(event: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: structuredClone(event.metadata) };
  rename(structuredClone(event) as Fields, out, CORE_TO_V1);
  out.eventTime ??= null;
  return out;
}

export function coreFromEventsV1(event: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: "v1", kind: "Event", metadata: structuredClone(event.metadata ?? {}) };
  rename(structuredClone(event) as Fields, out, CORE_TO_V1.map(([a, b]) => [b, a]));
  return out;
}
