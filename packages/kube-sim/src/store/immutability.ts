// What an update may not change, with the real server's 422 causes: a Job's template, selector,
// completions and completionMode; a pod's spec beyond images, activeDeadlineSeconds, added
// tolerations and terminationGracePeriodSeconds; the data of Secrets and ConfigMaps marked
// `immutable: true`. Checked on API updates (PUT/PATCH), not on the controllers' own writes.
import type { FieldCause } from "./errors.ts";
import type { KubeObject } from "./types.ts";

type Spec = Record<string, unknown>;

export const FIELD_IMMUTABLE = "field is immutable";

const POD_UPDATABLE_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with sorted keys, so key order never counts as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "object" && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** How Go's %#v shows a value in "Invalid value: ..." for scalars; structs as `Type{...}`. */
function shown(value: unknown, goType: string): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === undefined || value === null) return "null";
  return `${goType}{...}`;
}

function immutable(field: string, value: unknown, goType = ""): FieldCause {
  return { reason: "FieldValueInvalid", field, message: `Invalid value: ${shown(value, goType)}: ${FIELD_IMMUTABLE}` };
}

export function jobUpdateProblems(next: KubeObject, existing: KubeObject): FieldCause[] {
  const spec = (next.spec ?? {}) as Spec;
  const old = (existing.spec ?? {}) as Spec;
  const causes: FieldCause[] = [];
  if (!same(spec.selector, old.selector)) causes.push(immutable("spec.selector", spec.selector, "v1.LabelSelector"));
  if (!same(spec.template, old.template)) causes.push(immutable("spec.template", spec.template, "core.PodTemplateSpec"));
  if (!same(spec.completions, old.completions)) causes.push(immutable("spec.completions", spec.completions));
  if (!same(spec.completionMode, old.completionMode)) causes.push(immutable("spec.completionMode", spec.completionMode));
  return causes;
}

type Container = { name?: string; image?: string };

/** The pod spec with every field an update may change replaced by the old one's (as the server "munges" it). */
function withUpdatableFieldsFrom(spec: Spec, old: Spec): Spec {
  const munged = structuredClone(spec);
  for (const key of ["containers", "initContainers"] as const) {
    const oldList = Array.isArray(old[key]) ? old[key] as Container[] : [];
    if (!Array.isArray(munged[key])) continue;
    munged[key] = (munged[key] as Container[]).map((c, i) => (oldList[i] ? { ...c, image: oldList[i].image } : c));
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  const oldTolerations = Array.isArray(old.tolerations) ? old.tolerations : [];
  const newTolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  if (oldTolerations.every((t) => newTolerations.some((n) => same(n, t)))) munged.tolerations = old.tolerations;
  const oldGrace = old.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  for (const key of Object.keys(munged)) if (munged[key] === undefined) delete munged[key];
  return munged;
}

/** A short cmp.Diff-like view of the top-level spec fields that differ. */
function specDiff(old: Spec, munged: Spec): string {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(munged)])].filter((k) => !same(old[k], munged[k]));
  const lines = keys.flatMap((key) => [
    ...(old[key] !== undefined ? [`- \t${key}: ${canonical(old[key])},`] : []),
    ...(munged[key] !== undefined ? [`+ \t${key}: ${canonical(munged[key])},`] : []),
  ]);
  return ["  core.PodSpec{", ...lines, "  }", ""].join("\n");
}

export function podUpdateProblems(next: KubeObject, existing: KubeObject): FieldCause[] {
  const spec = (next.spec ?? {}) as Spec;
  const old = (existing.spec ?? {}) as Spec;
  const munged = withUpdatableFieldsFrom(spec, old);
  if (same(munged, old)) return [];
  return [{ reason: "FieldValueForbidden", field: "spec",
    message: `Forbidden: pod updates may not change fields other than ${POD_UPDATABLE_FIELDS.join(",")}\n${specDiff(old, munged)}` }];
}

const IMMUTABLE_WHEN_SET = "Forbidden: field is immutable when `immutable` is set";

/** Secrets and ConfigMaps: `immutable: true` freezes data, binaryData and the flag itself; a Secret's type never changes. */
export function configDataUpdateProblems(next: KubeObject, existing: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  if (existing.kind === "Secret" && !same(next.type, existing.type)) causes.push(immutable("type", next.type));
  if (existing.immutable !== true) return causes;
  if (next.immutable !== true) causes.push({ reason: "FieldValueForbidden", field: "immutable", message: IMMUTABLE_WHEN_SET });
  for (const field of ["data", "binaryData"]) {
    if (!same(next[field] ?? {}, existing[field] ?? {})) causes.push({ reason: "FieldValueForbidden", field, message: IMMUTABLE_WHEN_SET });
  }
  return causes;
}
