// Labels (sanitised, for selectors) and annotations (raw, for people and for adoption) that
// every object of a run carries. Adoption after a server restart reads these back, so the
// raw ids live in annotations: a label value may be a hashed stand-in.
import { toLabelValue } from "./names.ts";

export const ADAPTER_TYPE = "claude_k8s";

export const LABEL = {
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
  adapterType: "paperclip.io/adapter-type",
  agentId: "paperclip.io/agent-id",
  runId: "paperclip.io/run-id",
  companyId: "paperclip.io/company-id",
  taskId: "paperclip.io/task-id",
  sessionId: "paperclip.io/session-id",
} as const;

export const ANNOTATION = {
  agentId: "paperclip.io/agent-id",
  agentName: "paperclip.io/agent-name",
  runId: "paperclip.io/run-id",
  companyId: "paperclip.io/company-id",
  taskId: "paperclip.io/task-id",
  taskKey: "paperclip.io/task-key",
  sessionId: "paperclip.io/session-id",
  createdAt: "paperclip.io/created-at",
  /** On an agent's Lease: the Job its holder runs (adoption keeps the Job, changes the run). */
  jobName: "paperclip.io/job-name",
  /** Why we deleted a Job, written before deleting it (DESIGN principle 5). */
  deleteReason: "paperclip.io/delete-reason",
} as const;

export const MANAGED_BY = "paperclip";
export type Component = "agent-run" | "agent-lock";

/** Who a run is for. Optional parts are omitted from labels and annotations when absent. */
export interface RunIdentity {
  agentId: string;
  runId: string;
  companyId: string;
  agentName?: string | null;
  taskId?: string | null;
  taskKey?: string | null;
  sessionId?: string | null;
}

function present(value: string | null | undefined): value is string {
  return typeof value === "string" && value.length > 0;
}

/** Labels for the Job, its pod template and the Secret. `userLabels` (already validated by
 * the config parser) go underneath: ours win on any clash. */
export function runLabels(
  id: RunIdentity,
  userLabels: Record<string, string> = {},
  component: Component = "agent-run",
): Record<string, string> {
  const ours: Record<string, string> = {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.component]: component,
    [LABEL.adapterType]: ADAPTER_TYPE,
    [LABEL.agentId]: toLabelValue(id.agentId),
    [LABEL.runId]: toLabelValue(id.runId),
    [LABEL.companyId]: toLabelValue(id.companyId),
  };
  if (present(id.taskId)) ours[LABEL.taskId] = toLabelValue(id.taskId);
  if (present(id.sessionId)) ours[LABEL.sessionId] = toLabelValue(id.sessionId);
  return { ...userLabels, ...ours };
}

/** The raw ids and the agent's name, exactly as Paperclip gave them. */
export function runAnnotations(id: RunIdentity): Record<string, string> {
  const out: Record<string, string> = {
    [ANNOTATION.agentId]: id.agentId,
    [ANNOTATION.runId]: id.runId,
    [ANNOTATION.companyId]: id.companyId,
  };
  if (present(id.agentName)) out[ANNOTATION.agentName] = id.agentName;
  if (present(id.taskId)) out[ANNOTATION.taskId] = id.taskId;
  if (present(id.taskKey)) out[ANNOTATION.taskKey] = id.taskKey;
  if (present(id.sessionId)) out[ANNOTATION.sessionId] = id.sessionId;
  return out;
}

/** Labels of an agent's Lease: no run, task or session (the lock outlives runs). */
export function leaseLabels(agentId: string, companyId: string): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.component]: "agent-lock",
    [LABEL.adapterType]: ADAPTER_TYPE,
    [LABEL.agentId]: toLabelValue(agentId),
    [LABEL.companyId]: toLabelValue(companyId),
  };
}

const OURS = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.adapterType}=${ADAPTER_TYPE}`;

/** Everything this adapter created (Jobs, Secrets, Leases; narrow by kind via the API path). */
export function selectorForAdapter(): string {
  return OURS;
}

export function selectorForAgent(agentId: string): string {
  return `${OURS},${LABEL.agentId}=${toLabelValue(agentId)}`;
}

export function selectorForRun(runId: string): string {
  return `${OURS},${LABEL.runId}=${toLabelValue(runId)}`;
}

/** The raw ids back from an object's annotations (adoption after a restart). */
export function identityFromAnnotations(
  annotations: Record<string, string> | undefined,
): RunIdentity | null {
  const a = annotations ?? {};
  const agentId = a[ANNOTATION.agentId];
  const runId = a[ANNOTATION.runId];
  const companyId = a[ANNOTATION.companyId];
  if (!present(agentId) || !present(runId) || companyId === undefined) return null;
  return {
    agentId,
    runId,
    companyId,
    agentName: a[ANNOTATION.agentName] ?? null,
    taskId: a[ANNOTATION.taskId] ?? null,
    taskKey: a[ANNOTATION.taskKey] ?? null,
    sessionId: a[ANNOTATION.sessionId] ?? null,
  };
}
