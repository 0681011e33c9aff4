// Pure: one line of Claude Code's stream-json output -> a typed item. No Node or DOM APIs, no
// imports: the UI parser bundle includes this file.

export type JsonObject = Record<string, unknown>;

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; toolUseId: string; content: string; isError: boolean }
  | { type: "other"; blockType: string; raw: JsonObject };

export interface SystemEvent {
  type: "system";
  subtype: string;
  sessionId: string | null;
  model: string | null;
  raw: JsonObject;
}

export interface AssistantEvent {
  type: "assistant";
  messageId: string | null;
  model: string | null;
  blocks: ContentBlock[];
  sessionId: string | null;
  /** The CLI's own synthetic message reporting an API failure (model "<synthetic>"). */
  isApiError: boolean;
  apiErrorStatus: number | null;
  raw: JsonObject;
}

export interface UserEvent {
  type: "user";
  blocks: ContentBlock[];
  sessionId: string | null;
  raw: JsonObject;
}

export interface ResultUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface ResultEvent {
  type: "result";
  subtype: string;
  isError: boolean;
  result: string | null;
  errors: string[];
  sessionId: string | null;
  totalCostUsd: number | null;
  numTurns: number | null;
  stopReason: string | null;
  terminalReason: string | null;
  apiErrorStatus: number | null;
  apiErrorType: string | null;
  /**
   * Summed over modelUsage when present (it includes subagents), else the top-level usage. A
   * running total for the CLI process: with several results in one run, read the last one.
   */
  usage: ResultUsage;
  /** The top-level usage: this turn's main agent loop only (no subagents); safe to add up. */
  turnUsage: ResultUsage;
  raw: JsonObject;
}

export interface StreamEvent {
  type: "stream_event";
  raw: JsonObject;
}

export interface OtherEvent {
  type: "other";
  rawType: string;
  raw: JsonObject;
}

export type ClaudeEvent = SystemEvent | AssistantEvent | UserEvent | ResultEvent | StreamEvent | OtherEvent;

export type StreamItem = { kind: "text"; line: string } | { kind: "event"; line: string; event: ClaudeEvent };

export function asObject(value: unknown): JsonObject | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

export function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => str(asObject(part)?.text) ?? "")
    .filter((t) => t !== "")
    .join("\n");
}

function contentBlock(value: unknown): ContentBlock | null {
  const b = asObject(value);
  if (!b) return null;
  const blockType = str(b.type) ?? "";
  switch (blockType) {
    case "text":
      return { type: "text", text: str(b.text) ?? "" };
    case "thinking":
      return { type: "thinking", thinking: str(b.thinking) ?? "" };
    case "redacted_thinking":
      return { type: "thinking", thinking: "[redacted thinking]" };
    case "tool_use":
    case "server_tool_use":
      return { type: "tool_use", id: str(b.id) ?? "", name: str(b.name) ?? "unknown", input: b.input ?? {} };
    case "tool_result":
      return { type: "tool_result", toolUseId: str(b.tool_use_id) ?? "", content: toolResultText(b.content), isError: b.is_error === true };
    default:
      return { type: "other", blockType, raw: b };
  }
}

function contentBlocks(message: JsonObject | null): ContentBlock[] {
  const content = message?.content;
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) return [];
  return content.map(contentBlock).filter((b): b is ContentBlock => b !== null);
}

function errorText(value: unknown): string {
  if (typeof value === "string") return value;
  const o = asObject(value);
  if (!o) return "";
  return str(o.message) ?? str(o.error) ?? str(o.code) ?? JSON.stringify(o);
}

function topLevelUsage(raw: JsonObject): ResultUsage {
  const u = asObject(raw.usage) ?? {};
  return {
    inputTokens: (num(u.input_tokens) ?? 0) + (num(u.cache_creation_input_tokens) ?? 0),
    outputTokens: num(u.output_tokens) ?? 0,
    cachedInputTokens: num(u.cache_read_input_tokens) ?? 0,
  };
}

function resultUsage(raw: JsonObject): ResultUsage {
  const byModel = asObject(raw.modelUsage);
  const entries = byModel ? Object.values(byModel).map(asObject).filter((e): e is JsonObject => e !== null) : [];
  if (entries.length > 0) {
    // Cache-creation tokens are billed input, as claude_local counts them.
    const sum = (f: (e: JsonObject) => number): number => entries.reduce((n, e) => n + f(e), 0);
    return {
      inputTokens: sum((e) => (num(e.inputTokens) ?? 0) + (num(e.cacheCreationInputTokens) ?? 0)),
      outputTokens: sum((e) => num(e.outputTokens) ?? 0),
      cachedInputTokens: sum((e) => num(e.cacheReadInputTokens) ?? 0),
    };
  }
  return topLevelUsage(raw);
}

function resultEvent(raw: JsonObject): ResultEvent {
  return {
    type: "result",
    subtype: str(raw.subtype) ?? "",
    isError: raw.is_error === true,
    result: str(raw.result),
    errors: Array.isArray(raw.errors) ? raw.errors.map(errorText).filter((e) => e !== "") : [],
    sessionId: str(raw.session_id),
    totalCostUsd: num(raw.total_cost_usd),
    numTurns: num(raw.num_turns),
    stopReason: str(raw.stop_reason),
    terminalReason: str(raw.terminal_reason),
    apiErrorStatus: num(raw.api_error_status),
    apiErrorType: str(raw.api_error_type),
    usage: resultUsage(raw),
    turnUsage: topLevelUsage(raw),
    raw,
  };
}

/** Normalise one parsed JSON object into a typed Claude event. */
export function toClaudeEvent(raw: JsonObject): ClaudeEvent {
  const type = str(raw.type) ?? "";
  const sessionId = str(raw.session_id);
  switch (type) {
    case "system":
      return { type: "system", subtype: str(raw.subtype) ?? "", sessionId, model: str(raw.model), raw };
    case "assistant": {
      const message = asObject(raw.message);
      return {
        type: "assistant", messageId: str(message?.id), model: str(message?.model), blocks: contentBlocks(message), sessionId,
        isApiError: raw.is_api_error_message === true, apiErrorStatus: num(raw.api_error_status), raw,
      };
    }
    case "user":
      return { type: "user", blocks: contentBlocks(asObject(raw.message)), sessionId, raw };
    case "result":
      return resultEvent(raw);
    case "stream_event":
      return { type: "stream_event", raw };
    default:
      return { type: "other", rawType: type, raw };
  }
}

/** One line (without its newline) -> an event, or plain text for blank and non-JSON lines. */
export function parseClaudeLine(rawLine: string): StreamItem {
  const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return { kind: "text", line };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { kind: "text", line };
  }
  const obj = asObject(parsed);
  if (!obj || typeof obj.type !== "string") return { kind: "text", line };
  return { kind: "event", line, event: toClaudeEvent(obj) };
}
