// The agent container's environment. Layers, lowest to highest: inherited from the server's
// container, the pod's own settings (HOME, CLAUDE_CONFIG_DIR), Paperclip's run variables,
// config `env`; then secret references, which nothing overrides. A higher layer replaces a
// lower one's entry whole, including an inherited `valueFrom`. Config `env` holds what the
// server resolved from secret refs and managed credentials, so with `configEnvSecret` its
// values are references into the run Secret, never literals in the Job spec.
import type { V1Container, V1EnvFromSource, V1EnvVar } from "@kubernetes/client-node";
import { kubeLiteral } from "./kube-text.ts";
import { envSecretKey } from "./secret.ts";
import { LAUNCHER_ENV_KEYS, SCRATCH_ENV_KEYS, TEMP_ENV_KEYS } from "./scratch.ts";

export interface SpecIssue {
  field: string;
  message: string;
}

/** An env var whose value is a key of the run Secret (the agent token), never a literal. */
export interface SecretEnvRef {
  name: string;
  secretName: string;
  key: string;
}

export interface EnvInput {
  /** The server's own container (see findServerContainer), or null outside a cluster. */
  serverContainer: V1Container | null;
  podVars: Record<string, string>;
  runVars: Record<string, string>;
  configEnv: Record<string, string>;
  secretRefs: SecretEnvRef[];
  /** The run Secret holding configEnv's values under envSecretKey(name); null writes literals. */
  configEnvSecret?: string | null;
  /** adapter-utils' isForbiddenConfigEnvKey, passed in so spec/ stays free of it. */
  isForbidden: (key: string) => boolean;
}

export interface EnvResult {
  env: V1EnvVar[];
  envFrom: V1EnvFromSource[];
  errors: SpecIssue[];
  notes: string[];
}

/** Config env names that only ever carry paths the server writes (its scratch directory, made
 * pod-local; its GitHub launcher paths): plain in the Job spec. Every other config env value
 * may be a credential and lives in the run Secret. */
const PLAIN_CONFIG_ENV_KEYS: ReadonlySet<string> = new Set([...SCRATCH_ENV_KEYS, ...TEMP_ENV_KEYS, ...LAUNCHER_ENV_KEYS]);

/** Whether config env var `name` travels in the run Secret (by reference) rather than as a literal. */
export function configEnvInSecret(name: string): boolean {
  return !PLAIN_CONFIG_ENV_KEYS.has(name);
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Server-only variables that must not leak into agents: Paperclip's own PAPERCLIP_* settings
 * (the run variables replace them, as claude_local's sanitizeInheritedPaperclipEnv does),
 * and the Kubernetes service-link variables, which the agent pod gets itself. */
function isServerOnly(name: string): boolean {
  if (name === "PAPERCLIPAI_CMD") return true;
  if (name.startsWith("PAPERCLIP_")) {
    return !["PAPERCLIP_RUNTIME_API_URL", "PAPERCLIP_LISTEN_HOST", "PAPERCLIP_LISTEN_PORT"].includes(name);
  }
  return name === "HOSTNAME" || name === "HOME";
}

function literal(name: string, value: string): V1EnvVar {
  return { name, value: kubeLiteral(value) };
}

function checkLayer(layer: string, vars: Record<string, string>, input: EnvInput, errors: SpecIssue[]): void {
  for (const key of Object.keys(vars)) {
    if (!ENV_NAME.test(key)) {
      errors.push({ field: `${layer}.${key}`, message: `${layer}.${key}: "${key}" is not a valid environment variable name; use letters, digits, "_", "-" or "." and do not start with a digit` });
    } else if (input.isForbidden(key)) {
      errors.push({ field: `${layer}.${key}`, message: `${layer}.${key}: "${key}" is reserved: Paperclip sets it for each run from a Secret; remove it from ${layer}` });
    }
  }
}

export function buildAgentEnv(input: EnvInput): EnvResult {
  const errors: SpecIssue[] = [];
  const notes: string[] = [];
  checkLayer("env", input.configEnv, input, errors);
  const byName = new Map<string, V1EnvVar>();
  for (const inherited of input.serverContainer?.env ?? []) {
    if (isServerOnly(inherited.name) || input.isForbidden(inherited.name)) {
      notes.push(`not inherited: ${inherited.name} (server-only)`);
      continue;
    }
    // Inherited entries are already in pod-spec form (escaped, by reference): forward as is.
    byName.set(inherited.name, inherited);
  }
  const fromSecret = input.configEnvSecret ?? null;
  for (const layer of [input.podVars, input.runVars, input.configEnv]) {
    const secretLayer = layer === input.configEnv ? fromSecret : null;
    for (const [name, value] of Object.entries(layer)) {
      if (!ENV_NAME.test(name) || input.isForbidden(name)) continue;
      byName.delete(name); // re-insert: order follows precedence, for $(VAR) references
      byName.set(name, secretLayer !== null && configEnvInSecret(name)
        ? { name, valueFrom: { secretKeyRef: { name: secretLayer, key: envSecretKey(name) } } }
        : literal(name, value));
    }
  }
  for (const ref of input.secretRefs) {
    byName.delete(ref.name);
    byName.set(ref.name, { name: ref.name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
  }
  const envFrom = input.serverContainer?.envFrom ?? [];
  if (envFrom.length > 0) {
    notes.push(`inherited ${envFrom.length} envFrom source(s) by reference; entries in env override their keys`);
  }
  return { env: [...byName.values()], envFrom, errors, notes };
}
