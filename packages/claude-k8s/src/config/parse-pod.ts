// Parsers for the pod-shaped fields: resources, node selector, labels, tolerations, affinity.

import { bad, describe, isPlainObject, ok, readJson, readStringMap } from "./coerce.ts";
import type { Read } from "./coerce.ts";
import { DEFAULT_RESOURCES } from "./fields.ts";
import { labelKeyProblem, labelValueProblem, quantityValue } from "./syntax.ts";
import type { ResourceQuantities, ResourceRequirements, Toleration } from "./types.ts";

export interface IssueSink {
  error(field: string, problem: string): void;
  warn(field: string, problem: string): void;
}

const RESOURCE_NAMES = ["cpu", "memory", "ephemeral-storage"] as const;
type ResourceName = (typeof RESOURCE_NAMES)[number];

export function defaultResources(): ResourceRequirements {
  return { requests: { ...DEFAULT_RESOURCES.requests }, limits: { ...DEFAULT_RESOURCES.limits } };
}

function parseQuantities(raw: unknown, field: string, base: ResourceQuantities, sink: IssueSink): ResourceQuantities {
  if (raw === undefined) return base;
  if (!isPlainObject(raw)) {
    sink.error(field, `must be an object like {"cpu":"1","memory":"2Gi"} (got ${describe(raw)})`);
    return base;
  }
  const out: ResourceQuantities = { ...base };
  for (const [name, value] of Object.entries(raw)) {
    if (!(RESOURCE_NAMES as readonly string[]).includes(name)) {
      sink.error(`${field}.${name}`, `unknown resource; use one of ${RESOURCE_NAMES.join(", ")}`);
      continue;
    }
    const key = name as ResourceName;
    if (value === null) { delete out[key]; continue; }
    const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : null;
    if (text === "") continue;
    if (text === null || quantityValue(text) === null) {
      sink.error(`${field}.${name}`, `must be a Kubernetes quantity such as "500m", "2", "512Mi" or "8Gi" (got ${describe(value)})`);
      continue;
    }
    out[key] = text;
  }
  return out;
}

/** Nested requests/limits; each entry overrides its default, null removes it. */
export function parseResources(raw: unknown, sink: IssueSink): ResourceRequirements {
  const fallback = defaultResources();
  const parsed = readJson(raw);
  if (!parsed.ok) { sink.error("resources", parsed.problem); return fallback; }
  const value = parsed.value;
  if (!isPlainObject(value)) {
    sink.error("resources", `must be an object {"requests":{...},"limits":{...}} (got ${describe(raw)})`);
    return fallback;
  }
  for (const key of Object.keys(value)) {
    if (key !== "requests" && key !== "limits") sink.error(`resources.${key}`, "unknown key; use requests and limits");
  }
  const resources: ResourceRequirements = {
    requests: parseQuantities(value.requests, "resources.requests", fallback.requests, sink),
    limits: parseQuantities(value.limits, "resources.limits", fallback.limits, sink),
  };
  for (const name of RESOURCE_NAMES) {
    const request = resources.requests[name];
    const limit = resources.limits[name];
    if (request === undefined || limit === undefined) continue;
    if ((quantityValue(request) ?? 0) > (quantityValue(limit) ?? Infinity)) {
      sink.error(`resources.requests.${name}`, `request ${request} is above the limit ${limit}; raise the limit or lower the request`);
    }
  }
  return resources;
}

const RESERVED_LABEL_PREFIXES = ["paperclip.io/", "app.kubernetes.io/"];

/** A label map (labels, nodeSelector): keys and values checked against label syntax. */
export function parseLabelMap(raw: unknown, field: string, sink: IssueSink, refuseReserved: boolean): Record<string, string> {
  const read = readStringMap(raw);
  if (!read.ok) { sink.error(field, read.problem); return {}; }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(read.value)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) { sink.error(field, `key ${describe(key)} ${keyProblem}`); continue; }
    const reserved = RESERVED_LABEL_PREFIXES.find((prefix) => key.startsWith(prefix));
    if (refuseReserved && reserved) {
      sink.warn(`${field}.${key}`, `the ${reserved} prefix is reserved for the adapter's own labels; this label was dropped (use another prefix)`);
      continue;
    }
    const valueProblem = labelValueProblem(value);
    if (valueProblem) { sink.error(`${field}.${key}`, `value ${describe(value)} ${valueProblem}`); continue; }
    out[key] = value;
  }
  return out;
}

const OPERATORS = ["Exists", "Equal"];
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const TOLERATION_KEYS = ["key", "operator", "value", "effect", "tolerationSeconds"];

function readToleration(raw: unknown): Read<Toleration> {
  if (!isPlainObject(raw)) return bad(`must be an object (got ${describe(raw)})`);
  const unknown = Object.keys(raw).filter((key) => !TOLERATION_KEYS.includes(key));
  if (unknown.length > 0) return bad(`unknown key ${describe(unknown[0])}; use ${TOLERATION_KEYS.join(", ")}`);
  const { key, operator = "Equal", value, effect, tolerationSeconds } = raw;
  if (key !== undefined && (typeof key !== "string" || (key !== "" && labelKeyProblem(key)))) {
    return bad(`key ${describe(key)} is not a valid label key`);
  }
  if (typeof operator !== "string" || !OPERATORS.includes(operator)) return bad(`operator must be Exists or Equal (got ${describe(operator)})`);
  if (value !== undefined && (typeof value !== "string" || labelValueProblem(value))) return bad(`value ${describe(value)} is not a valid label value`);
  if (operator === "Exists" && value) return bad("value must be empty when operator is Exists");
  if (!key && operator !== "Exists") return bad("an empty key needs operator Exists");
  if (effect !== undefined && effect !== "" && (typeof effect !== "string" || !EFFECTS.includes(effect))) {
    return bad(`effect must be one of ${EFFECTS.join(", ")} (got ${describe(effect)})`);
  }
  if (tolerationSeconds !== undefined && (typeof tolerationSeconds !== "number" || !Number.isInteger(tolerationSeconds))) {
    return bad(`tolerationSeconds must be a whole number (got ${describe(tolerationSeconds)})`);
  }
  if (tolerationSeconds !== undefined && effect !== "NoExecute") return bad("tolerationSeconds needs effect NoExecute");
  const out: Toleration = { operator: operator as Toleration["operator"] };
  if (key) out.key = key as string;
  if (typeof value === "string" && value !== "") out.value = value;
  if (effect) out.effect = effect as Toleration["effect"];
  if (tolerationSeconds !== undefined) out.tolerationSeconds = tolerationSeconds as number;
  return ok(out);
}

export function parseTolerations(raw: unknown, sink: IssueSink): Toleration[] {
  const parsed = readJson(raw);
  if (!parsed.ok) { sink.error("tolerations", parsed.problem); return []; }
  const list = isPlainObject(parsed.value) ? [parsed.value] : parsed.value;
  if (!Array.isArray(list)) { sink.error("tolerations", `must be a JSON array of tolerations (got ${describe(raw)})`); return []; }
  const out: Toleration[] = [];
  for (const [index, item] of list.entries()) {
    const read = readToleration(item);
    if (read.ok) out.push(read.value);
    else sink.error(`tolerations[${index}]`, read.problem);
  }
  return out;
}

const AFFINITY_KEYS = ["nodeAffinity", "podAffinity", "podAntiAffinity"];

export function parseAffinity(raw: unknown, sink: IssueSink): Record<string, unknown> | null {
  const parsed = readJson(raw);
  if (!parsed.ok) { sink.error("affinity", parsed.problem); return null; }
  if (!isPlainObject(parsed.value)) { sink.error("affinity", `must be a JSON object (got ${describe(raw)})`); return null; }
  let valid = true;
  for (const [key, value] of Object.entries(parsed.value)) {
    if (!AFFINITY_KEYS.includes(key)) {
      sink.error(`affinity.${key}`, `unknown key; use ${AFFINITY_KEYS.join(", ")}`);
      valid = false;
    } else if (!isPlainObject(value)) {
      sink.error(`affinity.${key}`, `must be an object (got ${describe(value)})`);
      valid = false;
    }
  }
  return valid && Object.keys(parsed.value).length > 0 ? parsed.value : null;
}
