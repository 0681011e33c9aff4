// Pure: reduce a run's stream-json items to the facts classification needs, and describe a
// partial run for error messages.
import type { AssistantEvent, ResultEvent, StreamItem, SystemEvent } from "./events.ts";
import { num, str } from "./events.ts";

export interface ApiRetry {
  attempt: number | null;
  errorStatus: number | null;
  error: string | null;
  retryDelayMs: number | null;
}

export interface RunFacts {
  init: SystemEvent | null;
  result: ResultEvent | null;
  sessionId: string | null;
  model: string | null;
  cwd: string | null;
  /** Assistant events the model produced (the CLI's synthetic API-error messages excluded). */
  assistantEvents: AssistantEvent[];
  /** The CLI's synthetic "API Error: ..." assistant message, if any. */
  apiErrorMessage: AssistantEvent | null;
  apiRetries: ApiRetry[];
  toolCalls: string[];
  toolResults: number;
  toolErrors: number;
  /** Non-JSON lines (stderr, shell errors), in order. */
  textLines: string[];
  eventCount: number;
}

function emptyFacts(): RunFacts {
  return {
    init: null, result: null, sessionId: null, model: null, cwd: null, assistantEvents: [], apiErrorMessage: null,
    apiRetries: [], toolCalls: [], toolResults: 0, toolErrors: 0, textLines: [], eventCount: 0,
  };
}

function addSystem(facts: RunFacts, ev: SystemEvent): void {
  if (ev.subtype === "init") {
    facts.init = ev;
    facts.model = ev.model ?? facts.model;
    facts.cwd = str(ev.raw.cwd) ?? facts.cwd;
  } else if (ev.subtype === "api_retry") {
    const r = ev.raw;
    facts.apiRetries.push({ attempt: num(r.attempt), errorStatus: num(r.error_status), error: str(r.error), retryDelayMs: num(r.retry_delay_ms) });
  }
}

function addAssistant(facts: RunFacts, ev: AssistantEvent): void {
  if (ev.isApiError || ev.model === "<synthetic>") {
    facts.apiErrorMessage = ev;
    return;
  }
  facts.assistantEvents.push(ev);
  if (!facts.model && ev.model) facts.model = ev.model;
  for (const b of ev.blocks) if (b.type === "tool_use") facts.toolCalls.push(b.name);
}

export function collectFacts(items: readonly StreamItem[]): RunFacts {
  const facts = emptyFacts();
  for (const item of items) {
    if (item.kind === "text") {
      if (item.line.trim() !== "") facts.textLines.push(item.line);
      continue;
    }
    const ev = item.event;
    facts.eventCount++;
    if ("sessionId" in ev && ev.sessionId) facts.sessionId = facts.sessionId ?? ev.sessionId;
    if (ev.type === "system") addSystem(facts, ev);
    else if (ev.type === "assistant") addAssistant(facts, ev);
    else if (ev.type === "result") facts.result = ev;
    else if (ev.type === "user") {
      for (const b of ev.blocks) {
        if (b.type !== "tool_result") continue;
        facts.toolResults++;
        if (b.isError) facts.toolErrors++;
      }
    }
  }
  // The result names the session that was really used (a resume may fork a new one).
  if (facts.result?.sessionId) facts.sessionId = facts.result.sessionId;
  return facts;
}

export function clip(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, Math.max(0, max - 1))}…`;
}

function lastAssistantText(facts: RunFacts): string | null {
  for (let i = facts.assistantEvents.length - 1; i >= 0; i--) {
    const blocks = facts.assistantEvents[i]?.blocks ?? [];
    for (let j = blocks.length - 1; j >= 0; j--) {
      const b = blocks[j];
      if (b?.type === "text" && b.text.trim() !== "") return b.text;
    }
  }
  return null;
}

function countByName(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(", ");
}

/** What the run did before it stopped; system/init events are not "work" and are skipped. */
export function describePartialRun(facts: RunFacts): string {
  const model = facts.model ?? "an unknown model";
  const messageIds = new Set(facts.assistantEvents.map((e) => e.messageId ?? ""));
  if (facts.assistantEvents.length === 0 && facts.toolResults === 0) {
    return `Claude (${model}) produced no model output before it stopped.`;
  }
  const parts = [`${messageIds.size} assistant message${messageIds.size === 1 ? "" : "s"}`];
  if (facts.toolCalls.length > 0) parts.push(`${facts.toolCalls.length} tool call${facts.toolCalls.length === 1 ? "" : "s"} (${countByName(facts.toolCalls)})`);
  if (facts.toolResults > 0) parts.push(`${facts.toolResults} tool result${facts.toolResults === 1 ? "" : "s"}${facts.toolErrors > 0 ? ` (${facts.toolErrors} failed)` : ""}`);
  const last = lastAssistantText(facts);
  return `Partial run with ${model}: ${parts.join(", ")}.${last ? ` Last text: "${clip(last, 200)}"` : ""}`;
}

/** The last few non-empty output lines, for fast failures (no JSON at all). */
export function outputTail(lines: readonly string[], maxLines = 8, maxChars = 1200): string {
  return clip(lines.slice(-maxLines).join("\n"), maxChars);
}
