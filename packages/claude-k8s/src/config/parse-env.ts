// Parsers for what reaches the claude process directly: extra arguments and environment.

import { describe, isPlainObject, readStringList, readStringMap } from "./coerce.ts";
import type { IssueSink } from "./parse-pod.ts";
import { ENV_NAME, hasControlCharacter } from "./syntax.ts";

/** Flags the adapter sets itself: a second copy would break output parsing or session handling. */
export const MANAGED_CLAUDE_FLAGS: readonly string[] = [
  "-p", "--print", "--output-format", "--input-format", "-r", "--resume", "-c", "--continue", "--session-id",
];

export function parseExtraArgs(raw: unknown, sink: IssueSink): string[] {
  const read = readStringList(raw);
  if (!read.ok) { sink.error("extraArgs", read.problem); return []; }
  const out: string[] = [];
  for (const [index, arg] of read.value.entries()) {
    if (hasControlCharacter(arg)) { sink.error(`extraArgs[${index}]`, "contains a control character; remove it"); continue; }
    const flag = arg.split("=", 1)[0] ?? arg;
    if (MANAGED_CLAUDE_FLAGS.includes(flag)) {
      sink.error(`extraArgs[${index}]`, `${flag} is set by the adapter; remove it from extraArgs`);
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** One env value: a string, a number/boolean, or Paperclip's {type:"plain", value} binding. */
function envValue(key: string, value: unknown, sink: IssueSink): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (isPlainObject(value) && value.type === "plain" && typeof value.value === "string") return value.value;
  if (isPlainObject(value) && (value.type === "secret_ref" || value.type === "user_secret_ref")) {
    sink.error(`env.${key}`, "is a secret reference the server did not resolve; check the secret exists and the agent may read it");
    return null;
  }
  sink.error(`env.${key}`, `must be a string or {"type":"plain","value":"..."} (got ${describe(value)})`);
  return null;
}

export function parseEnv(raw: unknown, sink: IssueSink, isForbidden: (key: string) => boolean): Record<string, string> {
  let entries: Array<[string, unknown]>;
  if (typeof raw === "string") {
    const read = readStringMap(raw);
    if (!read.ok) { sink.error("env", read.problem); return {}; }
    entries = Object.entries(read.value);
  } else if (isPlainObject(raw)) {
    entries = Object.entries(raw);
  } else {
    sink.error("env", `must be an object of strings or KEY=value lines (got ${describe(raw)})`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!ENV_NAME.test(key)) {
      sink.error("env", `key ${describe(key)} is not a valid variable name; use letters, digits and '_', not starting with a digit`);
      continue;
    }
    if (isForbidden(key)) {
      sink.error(`env.${key}`, "may not be set in the config: the adapter injects it per run from a Secret; remove it");
      continue;
    }
    const text = envValue(key, value, sink);
    if (text === null) continue;
    if (text.includes("\u0000")) { sink.error(`env.${key}`, "contains a NUL character; remove it"); continue; }
    out[key] = text;
  }
  return out;
}
