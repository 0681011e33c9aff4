// The server module: everything the Paperclip server calls. Never imports ./index.ts (the
// package face re-exports from here), so the two cannot form an import cycle.

export { createServerAdapter, claudeSessionManagement } from "./paperclip/adapter.ts";
export { execute } from "./paperclip/execute.ts";
export { testEnvironment, configEnvironmentChecks } from "./paperclip/environment.ts";
export { sessionCodec } from "./paperclip/session.ts";
export { getConfigSchema } from "./paperclip/schema.ts";
export { listModels, modelsForEnv, isBedrockEnv } from "./paperclip/models.ts";
export { parseAdapterConfig, formatIssues } from "./paperclip/config.ts";
export { buildRunPrompt, buildRunPromptFromContext, buildRunEnv } from "./paperclip/prompt.ts";
export type { RunPrompt, RunPromptInput, RunEnv } from "./paperclip/prompt.ts";
