// Which model ids to offer: Bedrock needs its own region-qualified ids.

import type { AdapterModel } from "@paperclipai/adapter-utils";
import { BEDROCK_MODELS, DIRECT_MODELS } from "./face.ts";

function truthy(value: string | undefined): boolean {
  return value === "1" || value?.toLowerCase() === "true";
}

/** The server's env says Claude Code talks to Bedrock (the same signals claude_local reads). */
export function isBedrockEnv(env: NodeJS.ProcessEnv): boolean {
  return truthy(env.CLAUDE_CODE_USE_BEDROCK) || (env.ANTHROPIC_BEDROCK_BASE_URL ?? "").trim().length > 0;
}

export function modelsForEnv(env: NodeJS.ProcessEnv): AdapterModel[] {
  return (isBedrockEnv(env) ? BEDROCK_MODELS : DIRECT_MODELS).map((model) => ({ ...model }));
}

/** The pods inherit the server's env, so the server's provider decides the list. */
export async function listModels(env: NodeJS.ProcessEnv = process.env): Promise<AdapterModel[]> {
  return modelsForEnv(env);
}
