// Session params stored by Paperclip between runs: the Claude session id and what it is bound
// to. A session only resumes where its store and working directory are the same, so the shared
// volume claim travels with it.

import type { AdapterSessionCodec } from "@paperclipai/adapter-utils";

const MAX_FIELD_LENGTH = 4096;

/** A trimmed single-line string, or null for anything else (junk never reaches --resume). */
function readField(record: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = record[key];
    if (typeof value !== "string") continue;
    const text = value.trim();
    // eslint-disable-next-line no-control-regex
    if (text.length === 0 || text.length > MAX_FIELD_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) continue;
    return text;
  }
  return null;
}

const OPTIONAL_FIELDS: Array<[string, string[]]> = [
  ["cwd", ["cwd", "workdir", "folder"]],
  ["workspaceId", ["workspaceId", "workspace_id"]],
  ["repoUrl", ["repoUrl", "repo_url"]],
  ["repoRef", ["repoRef", "repo_ref"]],
  ["promptBundleKey", ["promptBundleKey", "prompt_bundle_key"]],
  ["workspaceVolumeClaim", ["workspaceVolumeClaim"]],
  ["namespace", ["namespace"]],
];

function normalize(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const record = raw as Record<string, unknown>;
  const sessionId = readField(record, "sessionId", "session_id");
  if (!sessionId) return null;
  const out: Record<string, unknown> = { sessionId };
  for (const [name, aliases] of OPTIONAL_FIELDS) {
    const value = readField(record, ...aliases);
    if (value) out[name] = value;
  }
  return out;
}

export const sessionCodec: AdapterSessionCodec = {
  deserialize: (raw) => normalize(raw),
  serialize: (params) => normalize(params),
  getDisplayId: (params) => (params ? readField(params, "sessionId", "session_id") : null),
};

/** What a session is bound to in this run; a stored session resumes only where all still match. */
export interface SessionBinding {
  /** Whether the session store (HOME on the shared volume) survives pods. */
  sharedVolume: boolean;
  namespace: string;
  /** The shared volume's claim, when it is one. */
  workspaceVolumeClaim: string | null;
  /** The pod's working directory, when the run sets one. */
  cwd: string | null;
  /** The prompt bundle's key, or null without a bundle. */
  promptBundleKey: string | null;
}

export type ResumeDecision = { sessionId: string | null; reason: string | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function mismatch(label: string, stored: unknown, current: string | null): string | null {
  if (typeof stored !== "string") return null; // not recorded: no constraint (older params)
  return stored === current ? null : `it was saved for ${label} "${stored}", this run has ${current === null ? "none" : `"${current}"`}`;
}

/** The session to resume (--resume) or null for a fresh one, with why not. Pure. */
export function decideResume(stored: Record<string, unknown> | null, now: SessionBinding): ResumeDecision {
  const id = typeof stored?.sessionId === "string" ? stored.sessionId : null;
  if (!id || !stored) return { sessionId: null, reason: null };
  const why = !now.sharedVolume
    ? "there is no shared volume, so the session store does not survive pods"
    : !UUID.test(id)
      ? "it is not a Claude session id (UUID)"
      : mismatch("namespace", stored.namespace, now.namespace)
        ?? mismatch("volume claim", stored.workspaceVolumeClaim, now.workspaceVolumeClaim)
        ?? (now.cwd === null ? null : mismatch("working directory", stored.cwd, now.cwd))
        ?? mismatch("prompt bundle", stored.promptBundleKey, now.promptBundleKey);
  return why ? { sessionId: null, reason: `Claude session ${id} is not resumed (${why}); starting a fresh session` } : { sessionId: id, reason: null };
}

/** The params saved with a successful run's session, so the next run can check the binding. */
export function bindingParams(now: SessionBinding): Record<string, string> {
  const out: Record<string, string> = { namespace: now.namespace };
  if (now.workspaceVolumeClaim) out.workspaceVolumeClaim = now.workspaceVolumeClaim;
  if (now.cwd) out.cwd = now.cwd;
  if (now.promptBundleKey) out.promptBundleKey = now.promptBundleKey;
  return out;
}
