// Keys the Paperclip server or its UI writes into adapterConfig that are not our own fields.
// Each is accepted without an "unknown key" warning; the few that mean something in a pod are
// honoured. Where each comes from was read in the installed packages (2026.916.1); a test
// checks each key still appears in the file named here.

import { describe, isUnset, readString } from "./coerce.ts";
import { EFFORT_LEVELS } from "./fields.ts";
import type { IssueSink } from "./parse-pod.ts";
import type { ClaudeK8sConfig } from "./types.ts";

export interface HostKey {
  key: string;
  /** The installed package and file that writes it (a file name ending in "*" is a prefix:
   * the UI's bundles carry a content hash). A test checks the key appears there. */
  source: { package: string; file: string; what: string };
  /** What claude_k8s does with it. */
  handling: string;
}

const SERVER = "@paperclipai/server";
const UTILS = "@paperclipai/adapter-utils";
/** The UI's generic config builder for adapters without their own form (function hr in 2026.916.1). */
const UI_FORM = { package: SERVER, file: "ui-dist/assets/AiConnectionCredentialStep-*", what: "the generic adapter form's config builder" };

export const HOST_KEYS: readonly HostKey[] = [
  { key: "workspaceStrategy", source: { package: SERVER, file: "dist/services/execution-workspace-policy.js", what: "buildExecutionWorkspaceAdapterConfig, before every run" },
    handling: "accepted: the server realises the isolated workspace (git worktree, provision commands) on its own host before execute(); the pod works in the resulting workspace cwd on the shared volume" },
  { key: "workspaceRuntime", source: { package: SERVER, file: "dist/services/execution-workspace-policy.js", what: "buildExecutionWorkspaceAdapterConfig (heartbeat.js strips it before execute; stored configs keep it)" },
    handling: "accepted: workspace runtime services are the server's to run" },
  { key: "paperclipSkillSync", source: { package: UTILS, file: "dist/server-utils.js", what: "writePaperclipSkillSyncPreference (skills UI, connector skills)" },
    handling: "accepted: the desired-skill preference; the resolved list arrives as paperclipRuntimeSkills" },
  { key: "paperclipRuntimeSkills", source: { package: SERVER, file: "dist/services/connector-runtime.js", what: "applyConnectorSkills, from heartbeat.js before every run" },
    handling: "honoured: the enabled skills are copied into the run's prompt bundle (shared volume, else the run Secret) and claude gets --add-dir to it" },
  { key: "paperclipConnectorSkillDigest", source: { package: SERVER, file: "dist/services/connector-runtime.js", what: "applyConnectorSkills / prepareConnectorSkillDelivery" },
    handling: "accepted: a digest the server uses to notice connector-skill changes; nothing to do in the pod" },
  { key: "managedAiConnection", source: { package: SERVER, file: "dist/services/ai-connection-runtime.js", what: "prepareManagedAiRuntime, when the agent uses a managed AI account" },
    handling: "accepted: attribution of the managed AI account; its credentials arrive in env" },
  { key: "instructionsBundleMode", source: { package: SERVER, file: "dist/services/agent-instructions.js", what: "the managed instructions bundle" },
    handling: "accepted: the server manages the bundle; instructionsFilePath (our field) points at its entry file" },
  { key: "instructionsRootPath", source: { package: SERVER, file: "dist/services/agent-instructions.js", what: "the managed instructions bundle" },
    handling: "honoured: the directory is copied into the run's prompt bundle so the entry file's sibling files resolve in the pod" },
  { key: "instructionsEntryFile", source: { package: SERVER, file: "dist/services/agent-instructions.js", what: "the managed instructions bundle" },
    handling: "accepted: see instructionsBundleMode" },
  { key: "envBindings", source: { ...UI_FORM, what: "the agent form's env bindings" },
    handling: "honoured: merged into env when env is absent (paperclip/config.ts)" },
  { key: "envVars", source: { ...UI_FORM, what: "the agent form's env text" },
    handling: "honoured: merged into env when env is absent (paperclip/config.ts)" },
  { key: "cwd", source: UI_FORM,
    handling: "honoured: the container's working directory when the run has no workspace cwd (as claude_local), if it lies on the shared volume" },
  { key: "thinkingEffort", source: UI_FORM,
    handling: "honoured: passed as --effort when effort is not set, as claude_local's own form maps it" },
  { key: "command", source: UI_FORM,
    handling: "never run: the pod runs its image's claude; a command other than claude gets a warning saying so" },
];

export const HOST_INJECTED_KEYS: readonly string[] = HOST_KEYS.map((entry) => entry.key);

/** Absolute, single-line, no '..': the same rule as our own path fields. */
function pathProblem(path: string): string | null {
  if (!path.startsWith("/")) return "must be an absolute path (starting with /)";
  if (/[\n\r]/.test(path)) return "must be a single-line path";
  if (path.split("/").includes("..")) return "must not contain '..' segments";
  return null;
}

function parseCwd(raw: unknown, sink: IssueSink): string | null {
  if (isUnset(raw)) return null;
  const read = readString(raw);
  if (!read.ok) { sink.error("cwd", read.problem); return null; }
  const problem = pathProblem(read.value);
  if (problem) { sink.error("cwd", `${problem} (got ${describe(raw)})`); return null; }
  return read.value.length > 1 ? read.value.replace(/\/+$/, "") : read.value;
}

/** claude_local's form writes thinkingEffort as effort; ours may carry either. effort wins. */
function parseThinkingEffort(raw: unknown, effort: ClaudeK8sConfig["effort"], sink: IssueSink): ClaudeK8sConfig["effort"] {
  if (isUnset(raw)) return effort;
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  const level = EFFORT_LEVELS.find((candidate) => candidate === text);
  if (!level) {
    sink.error("thinkingEffort", `must be one of ${EFFORT_LEVELS.join(", ")} (got ${describe(raw)}); it is passed to claude as --effort`);
    return effort;
  }
  if (effort && effort !== level) {
    sink.warn("thinkingEffort", `"${level}" is ignored: effort is set to "${effort}", which wins`);
    return effort;
  }
  return level;
}

/**
 * `command` names the claude binary of claude_local on the server host. In a pod the image's
 * claude runs; a different program is never started from here. "claude" (or a path ending in
 * /claude) means the same thing and stays silent; anything else is a warning, since an operator
 * who set a wrapper would otherwise believe it runs.
 */
function checkCommand(raw: unknown, sink: IssueSink): void {
  if (isUnset(raw)) return;
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "claude" || text.endsWith("/claude")) return;
  sink.warn("command", `${describe(raw)} is ignored: claude_k8s runs the claude CLI of the pod's image (set image to an image whose claude does what you need)`);
}

/** Applies the host keys that mean something in a pod: cwd, thinkingEffort, command. */
export function applyHostKeys(input: Record<string, unknown>, config: ClaudeK8sConfig, sink: IssueSink): void {
  config.cwd = parseCwd(input.cwd, sink);
  config.effort = parseThinkingEffort(input.thinkingEffort, config.effort, sink);
  checkCommand(input.command, sink);
}
