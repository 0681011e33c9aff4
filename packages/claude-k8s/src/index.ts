// The package face: Paperclip's loader imports this entry and calls createServerAdapter().
// Type, label, models and the configuration doc come from the cheap face module.

export { ADAPTER_TYPE as type, ADAPTER_LABEL as label, DIRECT_MODELS as models, agentConfigurationDoc } from "./paperclip/face.ts";
export { createServerAdapter } from "./server.ts";
export type { ClaudeK8sConfig, ParsedConfig, ConfigIssue } from "./config/types.ts";
