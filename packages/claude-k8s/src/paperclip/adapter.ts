// createServerAdapter(): the module Paperclip's plugin loader calls for.

import type { ServerAdapterModule } from "@paperclipai/adapter-utils";
import { getAdapterSessionManagement } from "@paperclipai/adapter-utils";
import type { AdapterSessionManagement } from "@paperclipai/adapter-utils";
import { testEnvironment } from "./environment.ts";
import { execute } from "./execute.ts";
import { ADAPTER_TYPE, agentConfigurationDoc } from "./face.ts";
import { listModels, modelsForEnv } from "./models.ts";
import { getConfigSchema } from "./schema.ts";
import { sessionCodec } from "./session.ts";
import { listSkills, syncSkills } from "./skills.ts";

/**
 * Claude Code manages its own context and resumes sessions, exactly as under claude_local, so
 * the host's session policy for claude_local applies (Paperclip has no entry for our type).
 */
export function claudeSessionManagement(): AdapterSessionManagement {
  const known = getAdapterSessionManagement("claude_local");
  if (!known) throw new Error("adapter-utils has no session management entry for claude_local; upgrade @paperclipai/adapter-utils");
  return known;
}

export function createServerAdapter(): ServerAdapterModule {
  return {
    type: ADAPTER_TYPE,
    execute,
    testEnvironment: (ctx) => testEnvironment(ctx),
    sessionCodec,
    listSkills,
    syncSkills,
    sessionManagement: claudeSessionManagement(),
    supportsLocalAgentJwt: true,
    models: modelsForEnv(process.env),
    listModels: () => listModels(process.env),
    agentConfigurationDoc,
    getConfigSchema: () => getConfigSchema(process.env),
    supportsInstructionsBundle: true,
    instructionsPathKey: "instructionsFilePath",
  };
}
