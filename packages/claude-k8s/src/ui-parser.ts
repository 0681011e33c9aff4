// The transcript parser the Paperclip UI loads (package export "./ui-parser"). Bundled by
// scripts/bundle-ui-parser.mjs into ONE CommonJS-style file with no imports: the UI evaluates its
// text as a function body in a Web Worker and reads module.exports. Only pure modules may be
// imported here (no Node or DOM APIs, no side effects). It must never throw: every entry point
// is guarded. The UI calls only parseStdoutLine, once per trimmed stdout line, with no state.
import type { TranscriptEntry } from "@paperclipai/adapter-utils";
import { parseClaudeLine } from "./claude/events.ts";
import type { AssistantEvent, ClaudeEvent, ResultEvent, ResultUsage, StreamItem, SystemEvent, UserEvent } from "./claude/events.ts";
import { createTranscriptDedup } from "./claude/dedup.ts";
import { systemEventText } from "./claude/system-text.ts";

/** Lines our own adapter writes into the log (keepalives, diagnostics) start with this. */
export const ADAPTER_LINE_PREFIX = "[claude-k8s]";
/** execute() writes "[claude_k8s] ..." (the adapter type's spelling): shown the same way. */
const ADAPTER_LINE_PREFIXES = [ADAPTER_LINE_PREFIX, "[claude_k8s]"];
/** Lines the Paperclip server itself writes into a run's stdout; its UI matches on the full text. */
export const PAPERCLIP_LINE_PREFIX = "[paperclip]";

function systemEntries(ev: SystemEvent, ts: string): TranscriptEntry[] {
  // Every init is kept: the CLI emits one per turn (and subagents their own) with one session id.
  if (ev.subtype === "init") return [{ kind: "init", ts, model: ev.model ?? "unknown", sessionId: ev.sessionId ?? "" }];
  const text = systemEventText(ev);
  return text === null ? [] : [{ kind: "system", ts, text }];
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

function resultEntry(ev: ResultEvent, ts: string, usage: ResultUsage): TranscriptEntry {
  return {
    kind: "result", ts, text: ev.result ?? "", inputTokens: usage.inputTokens, outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedInputTokens, costUsd: ev.totalCostUsd ?? 0, subtype: ev.subtype, isError: ev.isError, errors: ev.errors,
  };
}

/**
 * How a result's tokens are counted. The UI adds up the tokens of all result entries of a run,
 * but the CLI's modelUsage totals are running totals: the stateless parser therefore reports
 * each turn's own (main loop) usage; the stateful one reports the growth of the running totals.
 */
type ResultUsageOf = (ev: ResultEvent) => ResultUsage;
const turnUsageOf: ResultUsageOf = (ev) => ev.turnUsage;

function runningTotalDeltas(): ResultUsageOf {
  let previous: ResultUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  return (ev) => {
    const now = ev.usage;
    // A total that went down was reset (a /clear or a new process): count it from zero.
    const grew = now.inputTokens >= previous.inputTokens && now.outputTokens >= previous.outputTokens && now.cachedInputTokens >= previous.cachedInputTokens;
    const base = grew ? previous : { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    previous = now;
    return { inputTokens: now.inputTokens - base.inputTokens, outputTokens: now.outputTokens - base.outputTokens, cachedInputTokens: now.cachedInputTokens - base.cachedInputTokens };
  };
}

interface ParseState {
  toolNames: Map<string, string> | null;
  usageOf: ResultUsageOf;
}

const STATELESS: ParseState = { toolNames: null, usageOf: turnUsageOf };

function eventEntries(ev: ClaudeEvent, line: string, ts: string, state: ParseState): TranscriptEntry[] {
  const toolNames = state.toolNames;
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
      return [resultEntry(ev, ts, state.usageOf(ev))];
    case "stream_event":
      // Partial-message deltas; the complete assistant event follows.
      return [];
    case "other":
      return [{ kind: "stdout", ts, text: line }];
  }
}

function itemEntries(item: StreamItem, ts: string, state: ParseState): TranscriptEntry[] {
  if (item.kind === "event") return eventEntries(item.event, item.line, ts, state);
  const line = item.line.trim();
  if (line === "") return [];
  const ours = ADAPTER_LINE_PREFIXES.find((prefix) => line.startsWith(prefix));
  if (ours) return [{ kind: "system", ts, text: line.slice(ours.length).trim() }];
  if (line.startsWith(PAPERCLIP_LINE_PREFIX)) return [{ kind: "system", ts, text: line }];
  return [{ kind: "stdout", ts, text: item.line }];
}

function safeTs(ts: unknown): string {
  return typeof ts === "string" ? ts : "";
}

/** Stateless: one log line -> transcript entries. Never throws. */
export function parseStdoutLine(line: string, ts: string): TranscriptEntry[] {
  try {
    return itemEntries(parseClaudeLine(typeof line === "string" ? line : String(line)), safeTs(ts), STATELESS);
  } catch {
    return [{ kind: "stdout", ts: safeTs(ts), text: typeof line === "string" ? line : "" }];
  }
}

export interface StatefulStdoutParser {
  parseLine(line: string, ts: string): TranscriptEntry[];
  reset(): void;
}

/**
 * Stateful: drops replayed events (bounded), names each tool result after its tool call, and
 * counts each result's tokens as the growth of the CLI's running totals (subagents included).
 * Paperclip's UI does not call it today (it calls parseStdoutLine); the CLI formatter may.
 */
export function createStdoutParser(): StatefulStdoutParser {
  let dedup = createTranscriptDedup({ maxKeys: 5000 });
  let state: ParseState & { toolNames: Map<string, string> } = { toolNames: new Map(), usageOf: runningTotalDeltas() };
  return {
    parseLine(line, ts) {
      try {
        const item = parseClaudeLine(typeof line === "string" ? line : String(line));
        if (!dedup.accept(item)) return [];
        if (state.toolNames.size > 5000) state.toolNames = new Map();
        return itemEntries(item, safeTs(ts), state);
      } catch {
        return [{ kind: "stdout", ts: safeTs(ts), text: typeof line === "string" ? line : "" }];
      }
    },
    reset() {
      dedup = createTranscriptDedup({ maxKeys: 5000 });
      state = { toolNames: new Map(), usageOf: runningTotalDeltas() };
    },
  };
}
