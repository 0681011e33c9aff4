// Server-side Table output (what `kubectl get` asks for): a few columns per resource type.
import type { KubeObject, ResourceType } from "../store/types.ts";
import { eventTable } from "./event-table.ts";

interface Column { name: string; type: string; format?: string; description: string }
type Cell = string | number;

/** Kubernetes' HumanDuration, shortened: 45s, 3m20s, 25m, 5h3m, 2d4h, 40d. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return `${d}d`;
}

function ageOf(object: KubeObject, now: number): string {
  const created = Date.parse(object.metadata.creationTimestamp ?? "");
  return Number.isNaN(created) ? "<unknown>" : humanAge(now - created);
}

type Status = Record<string, unknown>;

function podCells(pod: KubeObject): Cell[] {
  const spec = (pod.spec ?? {}) as { containers?: unknown[] };
  const status = (pod.status ?? {}) as { phase?: string; reason?: string;
    containerStatuses?: { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[] };
  const statuses = status.containerStatuses ?? [];
  const ready = statuses.filter((c) => c.ready).length;
  const restarts = statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
  const containerReason = statuses.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find((r) => r);
  const shown = pod.metadata.deletionTimestamp ? "Terminating" : status.reason ?? containerReason ?? status.phase ?? "Unknown";
  return [`${ready}/${spec.containers?.length ?? 0}`, shown, restarts];
}

function jobCells(job: KubeObject): Cell[] {
  const spec = (job.spec ?? {}) as { completions?: number };
  const status = (job.status ?? {}) as Status & { succeeded?: number; conditions?: { type: string; status: string }[] };
  const conditions = (status.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type);
  const state = conditions.includes("Complete") ? "Complete" : conditions.includes("Failed") ? "Failed"
    : conditions.includes("Suspended") ? "Suspended" : "Running";
  return [state, `${status.succeeded ?? 0}/${spec.completions ?? 1}`];
}

const EXTRA_COLUMNS: Record<string, { columns: Column[]; cells: (o: KubeObject) => Cell[] }> = {
  pods: {
    columns: [
      { name: "Ready", type: "string", description: "ready containers / containers" },
      { name: "Status", type: "string", description: "pod phase or the reason it is in it" },
      { name: "Restarts", type: "integer", description: "container restarts" },
    ],
    cells: podCells,
  },
  jobs: {
    columns: [
      { name: "Status", type: "string", description: "Complete, Failed, Suspended or Running" },
      { name: "Completions", type: "string", description: "succeeded / wanted" },
    ],
    cells: jobCells,
  },
  namespaces: {
    columns: [{ name: "Status", type: "string", description: "namespace phase" }],
    cells: (o) => [String((o.status as Status | undefined)?.phase ?? "Active")],
  },
  secrets: {
    columns: [
      { name: "Type", type: "string", description: "secret type" },
      { name: "Data", type: "integer", description: "number of keys" },
    ],
    cells: (o) => [String(o.type ?? "Opaque"), Object.keys((o.data ?? {}) as object).length],
  },
};

export function toTable(resource: ResourceType, objects: KubeObject[], resourceVersion: string, now = Date.now()): unknown {
  if (resource.resource === "events") return eventTable(objects, resourceVersion, now);
  const extra = EXTRA_COLUMNS[resource.group === "" || resource.group === "batch" ? resource.resource : ""];
  const columnDefinitions = [
    { name: "Name", type: "string", format: "name", description: "object name", priority: 0 },
    ...(extra?.columns ?? []).map((c) => ({ ...c, format: c.format ?? "", priority: 0 })),
    { name: "Age", type: "string", format: "", description: "time since creation", priority: 0 },
  ];
  const rows = objects.map((object) => ({
    cells: [object.metadata.name ?? "", ...(extra?.cells(object) ?? []), ageOf(object, now)],
    object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata },
  }));
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion }, columnDefinitions, rows };
}

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) => /;\s*as=Table/.test(part));
}
