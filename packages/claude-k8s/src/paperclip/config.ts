// Paperclip's side of config parsing: feed adapter-utils' own rules into the pure parser.

import { buildAdapterEnvConfig } from "@paperclipai/adapter-utils";
import { isForbiddenConfigEnvKey } from "@paperclipai/adapter-utils/server-utils";
import { parseConfig } from "../config/parse.ts";
import type { ConfigIssue, ParsedConfig } from "../config/types.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parse a raw adapterConfig with Paperclip's forbidden-env rule. When the form left its two env
 * sources (envBindings, envVars) unmerged and no `env` exists, merge them the way Paperclip does.
 */
export function parseAdapterConfig(raw: unknown): ParsedConfig {
  let input = raw;
  if (isRecord(raw) && raw.env === undefined && (raw.envBindings !== undefined || raw.envVars !== undefined)) {
    const envVars = typeof raw.envVars === "string" ? raw.envVars : null;
    input = { ...raw, env: buildAdapterEnvConfig(raw.envBindings, envVars) };
  }
  return parseConfig(input, { isForbiddenEnvKey: isForbiddenConfigEnvKey });
}

/** One line per issue, for an error message or a log. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => issue.message).join("; ");
}
