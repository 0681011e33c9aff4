// The run Secret: the prompt, the per-run agent token, the instructions file and every
// configured env value (the server resolves secret refs and managed credentials into plain
// strings there, so none of it may be written into the Job spec) travel with the run in one Secret, owned by its Job once the Job exists (garbage collection removes it).
// Until then its labels and created-at annotation let a collector find it (S1).
import { createHash } from "node:crypto";
import type { V1Job, V1OwnerReference, V1Secret } from "@kubernetes/client-node";
import { ANNOTATION } from "./labels.ts";

/** Kubernetes refuses a Secret whose data adds up to more than this many bytes. */
export const SECRET_MAX_BYTES = 1_048_576;

export const SECRET_KEY = {
  prompt: "prompt",
  agentToken: "agent-token",
  instructions: "instructions.md",
} as const;

const SECRET_DATA_KEY = /^[-._a-zA-Z0-9]+$/;
/** Kubernetes' limit on a Secret data key's length (a DNS subdomain). */
const SECRET_KEY_MAX_LENGTH = 253;

/** The Secret key that carries env var `name`: `env.<name>` where the name is a valid key,
 * else a digest of it (env names may hold characters a Secret key may not). `env.` keeps
 * them apart from the fixed keys above. */
export function envSecretKey(name: string): string {
  const plain = `env.${name}`;
  if (SECRET_DATA_KEY.test(name) && plain.length <= SECRET_KEY_MAX_LENGTH) return plain;
  return `env.sha256-${createHash("sha256").update(name, "utf8").digest("hex").slice(0, 32)}`;
}

export interface RunSecretInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  prompt: string;
  agentToken?: string | null;
  instructions?: string | null;
  /** Env values by env var name; stored under envSecretKey(name). */
  env?: Record<string, string>;
  /** Other files mounted next to the prompt (the inline prompt bundle), by Secret key. */
  files?: Record<string, string | Buffer>;
  /** RFC 3339; the caller's clock (spec/ reads none). */
  createdAt: string;
}

export interface SpecError {
  code: "k8s_prompt_too_large" | "k8s_invalid_spec";
  message: string;
}

export type RunSecretResult = { ok: true; secret: V1Secret } | { ok: false; error: SpecError };

function entries(input: RunSecretInput): [string, string | Buffer][] {
  const out: [string, string | Buffer][] = [[SECRET_KEY.prompt, input.prompt]];
  if (input.agentToken) out.push([SECRET_KEY.agentToken, input.agentToken]);
  if (typeof input.instructions === "string") out.push([SECRET_KEY.instructions, input.instructions]);
  for (const [name, value] of Object.entries(input.env ?? {})) out.push([envSecretKey(name), value]);
  for (const [key, value] of Object.entries(input.files ?? {})) out.push([key, value]);
  return out;
}

/** The parts of a too-large Secret, by size; the bundle's many files as one part. */
function sizeParts(sizes: [string, number][]): string {
  const bundle = sizes.filter(([k]) => k.startsWith(BUNDLE_KEY_PREFIX));
  const parts = sizes.filter(([k]) => !k.startsWith(BUNDLE_KEY_PREFIX)).map(([k, n]) => `${k} ${n}`);
  if (bundle.length > 0) parts.push(`prompt bundle (instructions and skills, ${bundle.length} files) ${bundle.reduce((sum, [, n]) => sum + n, 0)}`);
  return parts.join(", ");
}

const BUNDLE_KEY_PREFIX = "bundle.";

function sizeError(sizes: [string, number][], total: number): SpecError {
  const prompt = sizes.find(([k]) => k === SECRET_KEY.prompt)?.[1] ?? 0;
  const parts = sizeParts(sizes);
  return {
    code: "k8s_prompt_too_large",
    message: `The run's prompt is ${prompt} bytes and its Secret would hold ${total} bytes in all (${parts}); ` +
      `a Kubernetes Secret holds at most ${SECRET_MAX_BYTES} bytes. Shorten the prompt template, ` +
      `the task description, the instructions file, the skills or the configured env values, or configure a shared ` +
      `workspace volume (workspaceVolumeClaim), where the skills and instructions bundle is not limited by the Secret.`,
  };
}

/** Build the Secret, refusing (before anything is created) one Kubernetes would refuse. */
export function buildRunSecret(input: RunSecretInput): RunSecretResult {
  const data: Record<string, string> = {};
  const sizes: [string, number][] = [];
  let total = 0;
  for (const [key, value] of entries(input)) {
    if (!SECRET_DATA_KEY.test(key) || key.length > SECRET_KEY_MAX_LENGTH || key in data) {
      return { ok: false, error: { code: "k8s_invalid_spec", message: `run Secret key "${key}" is invalid or repeated; use a unique name of letters, digits, "-", "_" or "."` } };
    }
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    sizes.push([key, bytes.length]);
    total += bytes.length;
    data[key] = bytes.toString("base64");
  }
  if (total > SECRET_MAX_BYTES) return { ok: false, error: sizeError(sizes, total) };
  return {
    ok: true,
    secret: {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: {
        name: input.name,
        namespace: input.namespace,
        labels: { ...input.labels },
        annotations: { ...input.annotations, [ANNOTATION.createdAt]: input.createdAt },
      },
      data,
    },
  };
}

/** The Job as the Secret's owner. Not a controller reference and not blocking deletion:
 * blockOwnerDeletion needs update rights on jobs/finalizers, which the adapter need not have. */
export function jobOwnerReference(job: V1Job): V1OwnerReference {
  const name = job.metadata?.name;
  const uid = job.metadata?.uid;
  if (!name || !uid) throw new Error("jobOwnerReference: the Job has no metadata.name/uid yet; pass the Job as the API server returned it");
  return { apiVersion: "batch/v1", kind: "Job", name, uid };
}

export function withOwner(secret: V1Secret, job: V1Job): V1Secret {
  const owners = (secret.metadata?.ownerReferences ?? []).filter((o) => o.uid !== job.metadata?.uid);
  return { ...secret, metadata: { ...secret.metadata, ownerReferences: [...owners, jobOwnerReference(job)] } };
}

/** A merge-patch body (application/merge-patch+json) that makes the Job own the Secret. */
export function ownerPatch(job: V1Job): { metadata: { ownerReferences: V1OwnerReference[] } } {
  return { metadata: { ownerReferences: [jobOwnerReference(job)] } };
}
