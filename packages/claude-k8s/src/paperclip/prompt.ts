// The run prompt and Paperclip's run variables, assembled with adapter-utils' own helpers in the
// order claude_local uses, so an agent behaves the same whichever adapter runs it. Pure: no I/O.

import type { AdapterAgent, AdapterExecutionContext } from "@paperclipai/adapter-utils";
import {
  DEFAULT_PAPERCLIP_AGENT_PROMPT_TEMPLATE,
  DEFAULT_PAPERCLIP_CONVERSATION_PROMPT_TEMPLATE,
  isPaperclipRecoveryWakePayload,
  joinPromptSections,
  renderPaperclipWakePrompt,
  renderTemplate,
  selectPaperclipTaskMarkdown,
} from "@paperclipai/adapter-utils/server-utils";

export interface RunPromptInput {
  runId: string;
  agent: Pick<AdapterAgent, "id" | "companyId" | "name">;
  context: Record<string, unknown>;
  promptTemplate: string | null;
  bootstrapPromptTemplate: string | null;
  /** True when this run passes --resume: the session already holds the bootstrap and brief. */
  resumedSession: boolean;
}

export interface RunPrompt {
  prompt: string;
  /** Section sizes, for onMeta's promptMetrics. */
  metrics: Record<string, number>;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

export function buildRunPrompt(input: RunPromptInput): RunPrompt {
  const { runId, agent, context, resumedSession } = input;
  const conversationMode = context.conversationMode === true;
  const template = input.promptTemplate
    ?? (conversationMode ? DEFAULT_PAPERCLIP_CONVERSATION_PROMPT_TEMPLATE : DEFAULT_PAPERCLIP_AGENT_PROMPT_TEMPLATE);
  const templateData = {
    agentId: agent.id,
    companyId: agent.companyId,
    runId,
    company: { id: agent.companyId },
    // Only the identity: the agent record also carries adapterConfig, which has no place in a prompt.
    agent: { id: agent.id, companyId: agent.companyId, name: agent.name },
    run: { id: runId, source: text(context.wakeSource) || "on_demand" },
    context,
  };
  const bootstrap = !resumedSession && input.bootstrapPromptTemplate?.trim()
    ? renderTemplate(input.bootstrapPromptTemplate, templateData).trim()
    : "";
  const taskNote = selectPaperclipTaskMarkdown(context, { resumedSession });
  const wakePrompt = renderPaperclipWakePrompt(context.paperclipWake, {
    resumedSession,
    conversationMode,
    // The task markdown is the authoritative brief; do not repeat the issue description.
    suppressIssueDescription: taskNote.length > 0,
  });
  // A resumed session already has the standing prompt: send only what changed (the wake).
  const skipStandingPrompt = (resumedSession && wakePrompt.length > 0) || isPaperclipRecoveryWakePayload(context.paperclipWake);
  const standingPrompt = skipStandingPrompt ? "" : renderTemplate(template, templateData);
  const handoff = text(context.paperclipSessionHandoffMarkdown);
  const prompt = joinPromptSections([bootstrap, wakePrompt, handoff, taskNote, standingPrompt]);
  return {
    prompt,
    metrics: {
      promptChars: prompt.length,
      bootstrapPromptChars: bootstrap.length,
      wakePromptChars: wakePrompt.length,
      sessionHandoffChars: handoff.length,
      taskContextChars: taskNote.length,
      heartbeatPromptChars: standingPrompt.length,
    },
  };
}

export type { RunEnv } from "./run-env.ts";
export { buildRunEnv } from "./run-env.ts";

/** Convenience for execute(): the prompt for this ctx, given whether it resumes a session. */
export function buildRunPromptFromContext(
  ctx: Pick<AdapterExecutionContext, "runId" | "agent" | "context">,
  templates: { promptTemplate: string | null; bootstrapPromptTemplate: string | null },
  resumedSession: boolean,
): RunPrompt {
  return buildRunPrompt({ runId: ctx.runId, agent: ctx.agent, context: ctx.context, ...templates, resumedSession });
}
