// A container's environment as the kubelet builds it: envFrom, then env (literal, secretKeyRef,
// configMapKeyRef, fieldRef) with $(VAR) expansion of earlier variables. Failures carry the
// kubelet's own messages and end as CreateContainerConfigError.

import type { KubeObject } from "../store/types.ts";

export interface EnvLookups {
  secret(name: string): KubeObject | undefined;
  configMap(name: string): KubeObject | undefined;
}

interface KeyRef { name?: string; key: string; optional?: boolean }
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}
interface EnvFromSource {
  prefix?: string;
  secretRef?: { name?: string; optional?: boolean };
  configMapRef?: { name?: string; optional?: boolean };
}
export interface ContainerEnvSpec { env?: EnvVar[]; envFrom?: EnvFromSource[] }

export class EnvConfigError extends Error {}

/** Decoded key -> value of a Secret (base64 data) or a ConfigMap (data and binaryData). */
export function objectData(object: KubeObject, kind: "Secret" | "ConfigMap"): Record<string, string> {
  const decoded: Record<string, string> = {};
  const base64 = (kind === "Secret" ? object.data : object.binaryData) as Record<string, string> | undefined;
  if (kind === "ConfigMap") Object.assign(decoded, (object.data ?? {}) as Record<string, string>);
  for (const [key, value] of Object.entries(base64 ?? {})) decoded[key] = Buffer.from(value, "base64").toString("utf8");
  return decoded;
}

/** Kubernetes $(VAR) expansion: defined names are replaced, $$ escapes, unknown refs stay. */
export function expandVariables(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && Object.hasOwn(vars, name) ? (vars[name] ?? "") : match;
  });
}

export function fieldValue(pod: KubeObject, fieldPath: string): string {
  const meta = pod.metadata;
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  const status = (pod.status ?? {}) as Record<string, unknown>;
  const labelMatch = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelMatch) return (labelMatch[1] === "labels" ? meta.labels : meta.annotations)?.[labelMatch[2] ?? ""] ?? "";
  const known: Record<string, unknown> = {
    "metadata.name": meta.name, "metadata.namespace": meta.namespace, "metadata.uid": meta.uid,
    "spec.nodeName": spec.nodeName, "spec.serviceAccountName": spec.serviceAccountName ?? "default",
    "status.podIP": status.podIP, "status.hostIP": status.hostIP,
  };
  if (!Object.hasOwn(known, fieldPath)) throw new EnvConfigError(`unsupported fieldRef.fieldPath "${fieldPath}"`);
  return String(known[fieldPath] ?? "");
}

function lookup(lookups: EnvLookups, kind: "Secret" | "ConfigMap", name: string): Record<string, string> | undefined {
  const object = kind === "Secret" ? lookups.secret(name) : lookups.configMap(name);
  return object === undefined ? undefined : objectData(object, kind);
}

function keyRefValue(ref: KeyRef, kind: "Secret" | "ConfigMap", lookups: EnvLookups, namespace: string): string | undefined {
  const name = ref.name ?? "";
  const data = lookup(lookups, kind, name);
  if (data === undefined) {
    if (ref.optional === true) return undefined;
    throw new EnvConfigError(`${kind.toLowerCase()} "${name}" not found`);
  }
  if (!Object.hasOwn(data, ref.key)) {
    if (ref.optional === true) return undefined;
    throw new EnvConfigError(`couldn't find key ${ref.key} in ${kind} ${namespace}/${name}`);
  }
  return data[ref.key];
}

/** The variables the pod spec defines for one container (throws EnvConfigError). */
export function resolveEnv(pod: KubeObject, container: ContainerEnvSpec, lookups: EnvLookups): Record<string, string> {
  const namespace = pod.metadata.namespace ?? "";
  const vars: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const kind = source.secretRef ? "Secret" : "ConfigMap";
    const ref = source.secretRef ?? source.configMapRef ?? {};
    const data = lookup(lookups, kind, ref.name ?? "");
    if (data === undefined) {
      if (ref.optional === true) continue;
      throw new EnvConfigError(`${kind.toLowerCase()} "${ref.name ?? ""}" not found`);
    }
    for (const [key, value] of Object.entries(data)) vars[`${source.prefix ?? ""}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    let value: string | undefined;
    if (from?.secretKeyRef) value = keyRefValue(from.secretKeyRef, "Secret", lookups, namespace);
    else if (from?.configMapKeyRef) value = keyRefValue(from.configMapKeyRef, "ConfigMap", lookups, namespace);
    else if (from?.fieldRef) value = fieldValue(pod, from.fieldRef.fieldPath);
    else value = expandVariables(variable.value ?? "", vars);
    if (value !== undefined) vars[variable.name] = value;
  }
  return vars;
}
