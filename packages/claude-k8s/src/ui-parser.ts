// The transcript parser the Paperclip UI loads (package export "./ui-parser"). Bundled by
// scripts/bundle-ui-parser.mjs into ONE ESM file with no imports: only pure modules may be imported
// here (no Node or DOM APIs, no side effects). It must never throw: every entry point is guarded.
import type { TranscriptEntry } from "@paperclipai/adapter-utils";
import { parseClaudeLine } from "./claude/events.ts";
import type { AssistantEvent, ClaudeEvent, ResultEvent, StreamItem, SystemEvent, UserEvent } from "./claude/events.ts";
import { createTranscriptDedup } from "./claude/dedup.ts";

/** Lines our own adapter writes into the log (keepalives, diagnostics) start with this. */
export const ADAPTER_LINE_PREFIX = "[claude-k8s]";

function systemEntries(ev: SystemEvent, ts: string): TranscriptEntry[] {
  const r = ev.raw;
  switch (ev.subtype) {
    case "init":
      return [{ kind: "init", ts, model: ev.model ?? "unknown", sessionId: ev.sessionId ?? "" }];
    case "api_retry": {
      const status = typeof r.error_status === "number" ? ` ${r.error_status}` : "";
      const error = typeof r.error === "string" ? ` ${r.error}` : "";
      const delay = typeof r.retry_delay_ms === "number" ? `, retrying in ${Math.round(r.retry_delay_ms)} ms` : "";
      return [{ kind: "system", ts, text: `API error${status}${error} (attempt ${String(r.attempt ?? "?")} of ${String(r.max_retries ?? "?")})${delay}` }];
    }
    case "thinking_tokens":
      // Progress ticks while the model thinks; the thinking block itself follows.
      return [];
    default:
      return [{ kind: "system", ts, text: `system: ${ev.subtype || "event"}` }];
  }
}

function assistantEntries(ev: AssistantEvent, ts: string, toolNames: Map<string, string> | null): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  for (const b of ev.blocks) {
    if (b.type === "text" && b.text !== "") {
      entries.push(ev.isApiError ? { kind: "stderr", ts, text: b.text } : { kind: "assistant", ts, text: b.text });
    } else if (b.type === "thinking" && b.thinking !== "") {
      entries.push({ kind: "thinking", ts, text: b.thinking });
    } else if (b.type === "tool_use") {
      toolNames?.set(b.id, b.name);
      entries.push({ kind: "tool_call", ts, name: b.name, input: b.input, ...(b.id ? { toolUseId: b.id } : {}) });
    }
  }
  return entries;
}

function userEntries(ev: UserEvent, ts: string, toolNames: Map<string, string> | null): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  for (const b of ev.blocks) {
    if (b.type === "text" && b.text !== "") entries.push({ kind: "user", ts, text: b.text });
    else if (b.type === "tool_result") {
      const toolName = toolNames?.get(b.toolUseId);
      entries.push({ kind: "tool_result", ts, toolUseId: b.toolUseId, ...(toolName ? { toolName } : {}), content: b.content, isError: b.isError });
    }
  }
  return entries;
}

function resultEntry(ev: ResultEvent, ts: string): TranscriptEntry {
  return {
    kind: "result", ts, text: ev.result ?? "", inputTokens: ev.usage.inputTokens, outputTokens: ev.usage.outputTokens,
    cachedTokens: ev.usage.cachedInputTokens, costUsd: ev.totalCostUsd ?? 0, subtype: ev.subtype, isError: ev.isError, errors: ev.errors,
  };
}

function eventEntries(ev: ClaudeEvent, line: string, ts: string, toolNames: Map<string, string> | null): TranscriptEntry[] {
  switch (ev.type) {
    case "system":
      return systemEntries(ev, ts);
    case "assistant":
      return assistantEntries(ev, ts, toolNames);
    case "user": {
      const entries = userEntries(ev, ts, toolNames);
      return entries.length > 0 ? entries : [{ kind: "stdout", ts, text: line }];
    }
    case "result":
      return [resultEntry(ev, ts)];
    case "stream_event":
      // Partial-message deltas; the complete assistant event follows.
      return [];
    case "other":
      return [{ kind: "stdout", ts, text: line }];
  }
}

function itemEntries(item: StreamItem, ts: string, toolNames: Map<string, string> | null): TranscriptEntry[] {
  if (item.kind === "event") return eventEntries(item.event, item.line, ts, toolNames);
  if (item.line.trim() === "") return [];
  if (item.line.startsWith(ADAPTER_LINE_PREFIX)) return [{ kind: "system", ts, text: item.line.slice(ADAPTER_LINE_PREFIX.length).trim() }];
  return [{ kind: "stdout", ts, text: item.line }];
}

function safeTs(ts: unknown): string {
  return typeof ts === "string" ? ts : "";
}

/** Stateless: one log line -> transcript entries. Never throws. */
export function parseStdoutLine(line: string, ts: string): TranscriptEntry[] {
  try {
    return itemEntries(parseClaudeLine(typeof line === "string" ? line : String(line)), safeTs(ts), null);
  } catch {
    return [{ kind: "stdout", ts: safeTs(ts), text: typeof line === "string" ? line : "" }];
  }
}

export interface StatefulStdoutParser {
  parseLine(line: string, ts: string): TranscriptEntry[];
  reset(): void;
}

/** Stateful: drops replayed events (bounded) and names each tool result after its tool call. */
export function createStdoutParser(): StatefulStdoutParser {
  let dedup = createTranscriptDedup({ maxKeys: 5000 });
  let toolNames = new Map<string, string>();
  return {
    parseLine(line, ts) {
      try {
        const item = parseClaudeLine(typeof line === "string" ? line : String(line));
        if (!dedup.accept(item)) return [];
        if (toolNames.size > 5000) toolNames = new Map();
        return itemEntries(item, safeTs(ts), toolNames);
      } catch {
        return [{ kind: "stdout", ts: safeTs(ts), text: typeof line === "string" ? line : "" }];
      }
    },
    reset() {
      dedup = createTranscriptDedup({ maxKeys: 5000 });
      toolNames = new Map();
    },
  };
}
