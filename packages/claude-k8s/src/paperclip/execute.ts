// execute(): validate the config, then hand over to the run lifecycle. Until the lifecycle
// lands this returns a clear failure; it never reports a success it did not have.

import type { AdapterExecutionContext, AdapterExecutionResult } from "@paperclipai/adapter-utils";
import { formatIssues, parseAdapterConfig } from "./config.ts";

export const NOT_IMPLEMENTED_MESSAGE =
  "claude_k8s: running a Job is not implemented yet (the run lifecycle has not landed); no Job was created";

function failure(errorCode: string, errorMessage: string): AdapterExecutionResult {
  return { exitCode: null, signal: null, timedOut: false, errorCode, errorMessage };
}

/** The host's log sink failing (back-pressure, a closed run) must not fail the run (R9). */
async function logSafely(ctx: AdapterExecutionContext, text: string): Promise<void> {
  try {
    await ctx.onLog("stderr", text);
  } catch {
    // nothing to do: the result still reaches the host through the return value
  }
}

export async function execute(ctx: AdapterExecutionContext): Promise<AdapterExecutionResult> {
  const parsed = parseAdapterConfig(ctx.config);
  for (const warning of parsed.warnings) {
    await logSafely(ctx, `[claude_k8s] config warning: ${warning.message}\n`);
  }
  if (parsed.errors.length > 0) {
    const message = `claude_k8s: invalid configuration, no Job was created: ${formatIssues(parsed.errors)}`;
    await logSafely(ctx, `[claude_k8s] ${message}\n`);
    return failure("k8s_invalid_config", message);
  }
  return failure("k8s_not_implemented", NOT_IMPLEMENTED_MESSAGE);
}
