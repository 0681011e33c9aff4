// Paperclip's run variables for the claude container: the same set claude_local sets, split into
// plain values (fine in a Job spec) and secret values (must travel in the run's Secret).

import type { AdapterExecutionContext } from "@paperclipai/adapter-utils";
import {
  applyPaperclipWorkspaceEnv,
  buildPaperclipEnv,
  buildRuntimeToolsEnv,
  readPaperclipIssueWorkModeFromContext,
  stringifyPaperclipWakePayload,
} from "@paperclipai/adapter-utils/server-utils";

export interface RunEnv {
  plain: Record<string, string>;
  secret: Record<string, string>;
}

/** Variables whose value grants access: never written into a Job spec. */
export const SECRET_RUN_ENV_KEYS: readonly string[] = ["PAPERCLIP_API_KEY", "PAPERCLIP_RUNTIME_TOOLS_TOKEN"];

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim().length > 0 ? value.trim() : null;
}

function objects(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null) : [];
}

function setIf(env: Record<string, string>, key: string, value: string | null): void {
  if (value) env[key] = value;
}

function wakeEnv(env: Record<string, string>, context: Record<string, unknown>): void {
  setIf(env, "PAPERCLIP_TASK_ID", text(context.taskId) ?? text(context.issueId));
  setIf(env, "PAPERCLIP_ISSUE_WORK_MODE", readPaperclipIssueWorkModeFromContext(context));
  setIf(env, "PAPERCLIP_WAKE_REASON", text(context.wakeReason));
  setIf(env, "PAPERCLIP_WAKE_COMMENT_ID", text(context.wakeCommentId) ?? text(context.commentId));
  setIf(env, "PAPERCLIP_APPROVAL_ID", text(context.approvalId));
  setIf(env, "PAPERCLIP_APPROVAL_STATUS", text(context.approvalStatus));
  const linked = Array.isArray(context.issueIds) ? context.issueIds.filter((id) => text(id) !== null) : [];
  setIf(env, "PAPERCLIP_LINKED_ISSUE_IDS", linked.length > 0 ? linked.join(",") : null);
  setIf(env, "PAPERCLIP_WAKE_PAYLOAD_JSON", stringifyPaperclipWakePayload(context.paperclipWake));
}

/** The workspace lives on the shared volume at the path the server sees, so paths pass as is. */
function workspaceEnv(env: Record<string, string>, context: Record<string, unknown>): void {
  const workspace = typeof context.paperclipWorkspace === "object" && context.paperclipWorkspace !== null
    ? (context.paperclipWorkspace as Record<string, unknown>)
    : {};
  applyPaperclipWorkspaceEnv(env, {
    workspaceCwd: text(workspace.cwd),
    workspaceSource: text(workspace.source),
    workspaceStrategy: text(workspace.strategy),
    workspaceId: text(workspace.workspaceId),
    workspaceRepoUrl: text(workspace.repoUrl),
    workspaceRepoRef: text(workspace.repoRef),
    workspaceBranch: text(workspace.branchName),
    workspaceWorktreePath: text(workspace.worktreePath),
    agentHome: text(workspace.agentHome),
  });
  const hints = objects(context.paperclipWorkspaces);
  if (hints.length > 0) env.PAPERCLIP_WORKSPACES_JSON = JSON.stringify(hints);
  const intents = objects(context.paperclipRuntimeServiceIntents);
  if (intents.length > 0) env.PAPERCLIP_RUNTIME_SERVICE_INTENTS_JSON = JSON.stringify(intents);
  const services = objects(context.paperclipRuntimeServices);
  if (services.length > 0) env.PAPERCLIP_RUNTIME_SERVICES_JSON = JSON.stringify(services);
  setIf(env, "PAPERCLIP_RUNTIME_PRIMARY_URL", text(context.paperclipRuntimePrimaryUrl));
}

/**
 * The run variables, lowest precedence first as claude_local applies them. The agent token
 * (ctx.authToken) and any other credential are returned only in `secret`.
 */
export function buildRunEnv(
  ctx: Pick<AdapterExecutionContext, "runId" | "agent" | "context" | "authToken" | "runtimeTools">,
): RunEnv {
  const plain: Record<string, string> = { ...buildPaperclipEnv(ctx.agent), PAPERCLIP_RUN_ID: ctx.runId };
  wakeEnv(plain, ctx.context);
  workspaceEnv(plain, ctx.context);
  Object.assign(plain, buildRuntimeToolsEnv(ctx.runtimeTools));
  const secret: Record<string, string> = {};
  for (const key of SECRET_RUN_ENV_KEYS) {
    const value = plain[key];
    delete plain[key];
    if (value) secret[key] = value;
  }
  if (ctx.authToken) secret.PAPERCLIP_API_KEY = ctx.authToken;
  return { plain, secret };
}
