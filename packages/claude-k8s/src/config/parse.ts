// parseConfig: raw adapterConfig (untyped JSON from Paperclip) -> ClaudeK8sConfig, with every
// default applied and every problem reported as an issue that names the field and the fix.
// Pure: helpers Paperclip owns (which env keys are forbidden) are passed in, not imported.

import { bad, describe, isPlainObject, isUnset, ok, readBoolean, readString, readWholeNumber } from "./coerce.ts";
import type { Read } from "./coerce.ts";
import { CONFIG_FIELDS, EFFORT_LEVELS, IMAGE_PULL_POLICIES } from "./fields.ts";
import { applyHostKeys, HOST_INJECTED_KEYS } from "./host-keys.ts";
import { defaultResources, parseAffinity, parseLabelMap, parseResources, parseTolerations } from "./parse-pod.ts";
import type { IssueSink } from "./parse-pod.ts";
import { parseEnv, parseExtraArgs } from "./parse-env.ts";
import { dnsLabelProblem, dnsSubdomainProblem, hasControlCharacter } from "./syntax.ts";
import type { ClaudeK8sConfig, ConfigIssue, ParsedConfig } from "./types.ts";

export interface ConfigParseHelpers {
  /** Env keys a config may never set (adapter-utils' isForbiddenConfigEnvKey). */
  isForbiddenEnvKey?: (key: string) => boolean;
}

/** Paperclip's rule today, used when the caller passes no predicate. */
const defaultForbiddenEnvKey = (key: string): boolean => key === "PAPERCLIP_API_KEY";

export function defaultConfig(): ClaudeK8sConfig {
  return {
    model: null, effort: null, maxTurnsPerRun: null, instructionsFilePath: null, promptTemplate: null,
    bootstrapPromptTemplate: null, extraArgs: [], dangerouslySkipPermissions: true, env: {}, timeoutSec: 0, graceSec: 20, scheduleTimeoutSec: 600, keepaliveSec: 300, namespace: null,
    image: null, imagePullPolicy: "IfNotPresent", kubeconfig: null, serviceAccountName: null,
    resources: defaultResources(), nodeSelector: {}, tolerations: [], affinity: null, labels: {},
    ttlSecondsAfterFinished: 300, retainJobs: false, reattachOrphanedJobs: true,
    workspaceVolumeClaim: null, workspaceMountPath: null, cwd: null,
  };
}

type Check = (text: string) => string | null;

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]*$/;
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

const checks: Record<string, Check> = {
  model: (t) => (MODEL_ID.test(t) ? null : "must be a model id of letters, digits and . _ : / @ - (for example claude-sonnet-4-5)"),
  namespace: (t) => dnsLabelProblem(t),
  image: (t) => (IMAGE_REF.test(t) && t.length <= 4096 ? null : "must be an image reference such as ghcr.io/acme/claude:1.2 (no spaces or quotes)"),
  serviceAccountName: (t) => dnsSubdomainProblem(t),
  workspaceVolumeClaim: (t) => dnsSubdomainProblem(t),
  kubeconfig: (t) => (/[\n\r]/.test(t) ? "must be a single-line file path" : null),
  instructionsFilePath: (t) => absolutePathProblem(t),
  workspaceMountPath: (t) => (t === "/" ? "must not be the root directory" : absolutePathProblem(t)),
};

function absolutePathProblem(path: string): string | null {
  if (!path.startsWith("/")) return "must be an absolute path (starting with /)";
  if (/[\n\r]/.test(path)) return "must be a single-line path";
  if (path.split("/").includes("..")) return "must not contain '..' segments";
  return null;
}

/** Optional text: unset -> null; otherwise trimmed and checked. Templates keep their text as is. */
function optionalText(raw: unknown, field: string, sink: IssueSink, keepWhitespace = false): string | null {
  if (isUnset(raw)) return null;
  const read = readString(raw);
  if (!read.ok) { sink.error(field, read.problem); return null; }
  const text = keepWhitespace && typeof raw === "string" ? raw : read.value;
  if (hasControlCharacter(text)) { sink.error(field, "contains a control character; remove it"); return null; }
  const problem = checks[field]?.(text) ?? null;
  if (problem) { sink.error(field, `${problem} (got ${describe(raw)})`); return null; }
  return field === "workspaceMountPath" && text.length > 1 ? text.replace(/\/+$/, "") : text;
}

function wholeNumber(raw: unknown, field: string, sink: IssueSink, fallback: number, min: number, what: string): number {
  if (isUnset(raw)) return fallback;
  const read = readWholeNumber(raw, min);
  if (read.ok) return read.value;
  sink.error(field, `must be ${what} ${read.problem}`);
  return fallback;
}

function boolean(raw: unknown, field: string, sink: IssueSink, fallback: boolean): boolean {
  if (isUnset(raw)) return fallback;
  const read = readBoolean(raw);
  if (read.ok) return read.value;
  sink.error(field, read.problem);
  return fallback;
}

function oneOf<T extends string>(raw: unknown, field: string, sink: IssueSink, allowed: readonly T[], fold: boolean): Read<T> | null {
  if (isUnset(raw)) return null;
  const text = typeof raw === "string" ? raw.trim() : "";
  const match = allowed.find((value) => (fold ? value.toLowerCase() === text.toLowerCase() : value === text));
  if (match) return ok(match);
  sink.error(field, `must be one of ${allowed.join(", ")} (got ${describe(raw)})`);
  return bad("");
}

/** Edit distance, to suggest the key an operator probably meant. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function reportUnknownKeys(raw: Record<string, unknown>, sink: IssueSink): void {
  const fieldKeys: string[] = CONFIG_FIELDS.map((field) => field.key);
  const known = new Set<string>([...fieldKeys, ...HOST_INJECTED_KEYS]);
  for (const key of Object.keys(raw)) {
    if (known.has(key)) continue;
    const guess = fieldKeys.find((candidate) => editDistance(key, candidate) <= 2);
    const hint = guess ? `did you mean ${guess}?` : "check its spelling against the configuration doc";
    sink.warn(key, `unknown configuration key, ignored; ${hint}`);
  }
}

function collector(): { sink: IssueSink; errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const sink: IssueSink = {
    error: (field, problem) => errors.push({ field, message: `${field}: ${problem}` }),
    warn: (field, problem) => warnings.push({ field, message: `${field}: ${problem}` }),
  };
  return { sink, errors, warnings };
}

export function parseConfig(raw: unknown, helpers: ConfigParseHelpers = {}): ParsedConfig {
  const { sink, errors, warnings } = collector();
  const config = defaultConfig();
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
    sink.error("adapterConfig", `must be an object of settings (got ${describe(raw)})`);
    return { config, errors, warnings };
  }
  const input: Record<string, unknown> = raw ?? {};
  reportUnknownKeys(input, sink);
  const text = (field: keyof ClaudeK8sConfig, keep = false): string | null => optionalText(input[field], field, sink, keep);
  config.model = text("model");
  const effort = oneOf(input.effort, "effort", sink, EFFORT_LEVELS, true);
  if (effort?.ok) config.effort = effort.value;
  const maxTurns = wholeNumber(input.maxTurnsPerRun, "maxTurnsPerRun", sink, 0, 0, "a positive whole number of turns, or empty for no limit");
  config.maxTurnsPerRun = maxTurns > 0 ? maxTurns : null;
  config.instructionsFilePath = text("instructionsFilePath");
  config.promptTemplate = text("promptTemplate", true);
  config.bootstrapPromptTemplate = text("bootstrapPromptTemplate", true);
  config.extraArgs = isUnset(input.extraArgs) ? [] : parseExtraArgs(input.extraArgs, sink);
  config.dangerouslySkipPermissions = boolean(input.dangerouslySkipPermissions, "dangerouslySkipPermissions", sink, true);
  config.env = isUnset(input.env) ? {} : parseEnv(input.env, sink, helpers.isForbiddenEnvKey ?? defaultForbiddenEnvKey);
  config.timeoutSec = wholeNumber(input.timeoutSec, "timeoutSec", sink, 0, 0, "a non-negative whole number of seconds (0 = no deadline)");
  config.graceSec = wholeNumber(input.graceSec, "graceSec", sink, 20, 0, "a non-negative whole number of seconds");
  config.scheduleTimeoutSec = wholeNumber(input.scheduleTimeoutSec, "scheduleTimeoutSec", sink, 600, 1, "a positive whole number of seconds");
  config.keepaliveSec = wholeNumber(input.keepaliveSec, "keepaliveSec", sink, 300, 0, "a non-negative whole number of seconds (0 = no keepalive)");
  config.namespace = text("namespace");
  config.image = text("image");
  const pullPolicy = oneOf(input.imagePullPolicy, "imagePullPolicy", sink, IMAGE_PULL_POLICIES, true);
  if (pullPolicy?.ok) config.imagePullPolicy = pullPolicy.value;
  config.kubeconfig = text("kubeconfig");
  config.serviceAccountName = text("serviceAccountName");
  if (!isUnset(input.resources)) config.resources = parseResources(input.resources, sink);
  if (!isUnset(input.nodeSelector)) config.nodeSelector = parseLabelMap(input.nodeSelector, "nodeSelector", sink, false);
  if (!isUnset(input.tolerations)) config.tolerations = parseTolerations(input.tolerations, sink);
  if (!isUnset(input.affinity)) config.affinity = parseAffinity(input.affinity, sink);
  if (!isUnset(input.labels)) config.labels = parseLabelMap(input.labels, "labels", sink, true);
  config.ttlSecondsAfterFinished = wholeNumber(input.ttlSecondsAfterFinished, "ttlSecondsAfterFinished", sink, 300, 0, "a non-negative whole number of seconds");
  config.retainJobs = boolean(input.retainJobs, "retainJobs", sink, false);
  config.reattachOrphanedJobs = boolean(input.reattachOrphanedJobs, "reattachOrphanedJobs", sink, true);
  config.workspaceVolumeClaim = text("workspaceVolumeClaim");
  config.workspaceMountPath = text("workspaceMountPath");
  applyHostKeys(input, config, sink);
  return { config, errors, warnings };
}
