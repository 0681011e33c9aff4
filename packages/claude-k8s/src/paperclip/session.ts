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
