// The package face: what Paperclip shows about this adapter before it runs anything. Cheap to
// import: no Kubernetes client, no adapter-utils runtime code.

import { CONFIG_FIELDS } from "../config/fields.ts";
import type { AdapterModel } from "@paperclipai/adapter-utils";

export const ADAPTER_TYPE = "claude_k8s";
export const ADAPTER_LABEL = "Claude Code on Kubernetes";

/** Anthropic API model ids, as Claude Code accepts them for --model. */
export const DIRECT_MODELS: readonly AdapterModel[] = [
  { id: "claude-opus-4-8", label: "Claude Opus 4.8" },
  { id: "claude-sonnet-5", label: "Claude Sonnet 5" },
  { id: "claude-fable-5-1", label: "Claude Fable 5.1" },
  { id: "claude-fable-5", label: "Claude Fable 5" },
  { id: "claude-mythos-5", label: "Claude Mythos 5" },
  { id: "claude-opus-5", label: "Claude Opus 5" },
  { id: "claude-opus-4-7", label: "Claude Opus 4.7" },
  { id: "claude-opus-4-6", label: "Claude Opus 4.6" },
  { id: "claude-sonnet-4-6", label: "Claude Sonnet 4.6" },
  { id: "claude-sonnet-4-5", label: "Claude Sonnet 4.5" },
  { id: "claude-haiku-4-5", label: "Claude Haiku 4.5" },
];

/** Region-qualified Bedrock inference ids: Anthropic short ids are refused by Bedrock. */
export const BEDROCK_MODELS: readonly AdapterModel[] = [
  { id: "us.anthropic.claude-opus-4-8-v1", label: "Bedrock Opus 4.8" },
  { id: "us.anthropic.claude-fable-5-1", label: "Bedrock Fable 5.1" },
  { id: "us.anthropic.claude-fable-5-v1", label: "Bedrock Fable 5" },
  { id: "us.anthropic.claude-opus-4-6-v1", label: "Bedrock Opus 4.6" },
  { id: "us.anthropic.claude-sonnet-4-5-20250929-v2:0", label: "Bedrock Sonnet 4.5" },
  { id: "us.anthropic.claude-haiku-4-5-20251001-v1:0", label: "Bedrock Haiku 4.5" },
];

function fieldLines(): string[] {
  return CONFIG_FIELDS.map((field) => `- ${field.key} (default: ${field.defaultText}): ${field.hint}`);
}

export const agentConfigurationDoc = [
  `# ${ADAPTER_TYPE} agent configuration`,
  "",
  `Adapter: ${ADAPTER_TYPE}. Each run is one Kubernetes Job whose pod runs the Claude Code CLI`,
  "(`claude --print - --output-format stream-json --verbose`); its output streams back live.",
  "Numbers and booleans may be given as text; lists as one space separated string; maps as JSON",
  "or key=value lines. Problems are reported per field by the environment test and fail the run",
  "with errorCode k8s_invalid_config before anything is created.",
  "",
  "Fields:",
  ...fieldLines(),
  "",
  "Notes:",
  "- The per-run Paperclip token, the prompt and every env value (except the server's own scratch",
  "  paths) travel in a Secret owned by the Job, never as literal values in the Job spec.",
  "- Instructions and enabled skills form a content-addressed prompt bundle: on the shared volume",
  "  at <workspaceMountPath>/.paperclip-bundles/<key>, else in the run Secret at",
  "  /var/run/paperclip/bundle (within the Secret's 1 MiB); claude gets --add-dir to it.",
  "- Sessions resume (--resume) only when the Claude session store survives the pod: give the",
  "  agents a shared workspaceVolumeClaim (HOME is <mount>/.paperclip-claude/<agent>). Without",
  "  one, every run starts a fresh session; a changed bundle, claim or working directory too.",
  "- Paperclip's run variables (PAPERCLIP_RUN_ID, PAPERCLIP_TASK_ID, PAPERCLIP_WAKE_REASON, ...)",
  "  are set in the pod as for claude_local; config env cannot override them or PAPERCLIP_API_KEY.",
  "- Keys of the generic form: cwd is the working directory when the run has no workspace (it must",
  "  lie on the shared volume); thinkingEffort is used as effort when effort is unset; command is",
  "  never run (the pod runs its image's claude).",
  "",
].join("\n");
