// The server-side Table for Events (what `kubectl get events` prints): LAST SEEN, TYPE, REASON,
// OBJECT, MESSAGE, with Subobject, Source, First Seen, Count and Name at priority 1 (-o wide),
// as the real server's printer lays it out. Reads the core form or the events.k8s.io form.
import type { KubeObject } from "../store/types.ts";
import { humanAge } from "./table.ts";

const COLUMNS: [string, number, string?][] = [
  ["Last Seen", 0], ["Type", 0], ["Reason", 0], ["Object", 0], ["Subobject", 1], ["Source", 1], ["Message", 0],
  ["First Seen", 1], ["Count", 1], ["Name", 1, "name"],
];

type EventFields = {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string }; regarding?: EventFields["involvedObject"];
  source?: { component?: string; host?: string }; deprecatedSource?: EventFields["source"];
  lastTimestamp?: string | null; deprecatedLastTimestamp?: string; firstTimestamp?: string | null; deprecatedFirstTimestamp?: string;
  eventTime?: string | null; series?: { count?: number; lastObservedTime?: string }; count?: number; deprecatedCount?: number;
  reportingComponent?: string; reportingController?: string; type?: string; reason?: string; message?: string; note?: string;
};

function since(time: string | null | undefined, now: number): string {
  const at = Date.parse(time ?? "");
  return Number.isNaN(at) ? "<unknown>" : humanAge(now - at);
}

function cells(object: KubeObject, now: number): (string | number)[] {
  const e = object as unknown as EventFields;
  const regarding = e.involvedObject ?? e.regarding ?? {};
  const source = e.source ?? e.deprecatedSource ?? {};
  const first = e.firstTimestamp ?? e.deprecatedFirstTimestamp ?? e.eventTime;
  const last = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.deprecatedLastTimestamp ?? e.eventTime;
  const count = e.series?.count ?? e.count ?? e.deprecatedCount ?? 1;
  const lastSeen = count > 1 ? `${since(last, now)} (x${count} over ${since(first, now)})` : since(last, now);
  const component = source.component || e.reportingComponent || e.reportingController || "";
  return [lastSeen, e.type ?? "", e.reason ?? "", `${(regarding.kind ?? "").toLowerCase()}/${regarding.name ?? ""}`,
    regarding.fieldPath ?? "", source.host ? `${component}, ${source.host}` : component, e.message ?? e.note ?? "",
    since(first, now), count, object.metadata.name ?? ""];
}

export function eventTable(objects: KubeObject[], resourceVersion: string, now = Date.now()): unknown {
  const columnDefinitions = COLUMNS.map(([name, priority, format]) => ({ name, type: "string", format: format ?? "",
    description: `the event's ${name.toLowerCase()}`, priority }));
  const rows = objects.map((object) => ({ cells: cells(object, now),
    object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata } }));
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion }, columnDefinitions, rows };
}
