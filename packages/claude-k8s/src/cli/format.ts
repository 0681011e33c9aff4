// Pure: one stream-json line -> readable terminal text. The caller decides on colour (a TTY).
// Returns "" for lines not worth showing (progress ticks, blank lines).
import { parseClaudeLine } from "../claude/events.ts";
import type { AssistantEvent, ClaudeEvent, ContentBlock, ResultEvent, SystemEvent, UserEvent } from "../claude/events.ts";

export interface FormatOptions {
  color: boolean;
  /** Tool results longer than this many lines are cut (default 12). */
  maxResultLines?: number;
}

const CODES = { dim: 2, bold: 1, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
type Style = keyof typeof CODES;

function painter(color: boolean): (style: Style, text: string) => string {
  return (style, text) => (color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
}

function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function toolInput(name: string, input: unknown): string {
  const o = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
  for (const key of ["command", "file_path", "path", "pattern", "url", "description"]) {
    if (typeof o[key] === "string") return oneLine(o[key]);
  }
  return oneLine(name === "" ? "" : JSON.stringify(input ?? {}));
}

function limitLines(text: string, max: number): string {
  const lines = text.split("\n");
  if (lines.length <= max) return text;
  return `${lines.slice(0, max).join("\n")}\n… (${lines.length - max} more lines)`;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}

type Paint = ReturnType<typeof painter>;

function formatSystem(ev: SystemEvent, p: Paint): string {
  const r = ev.raw;
  if (ev.subtype === "init") {
    return p("dim", `● session ${ev.sessionId ?? "?"} · model ${ev.model ?? "?"}${typeof r.cwd === "string" ? ` · cwd ${r.cwd}` : ""}`);
  }
  if (ev.subtype === "api_retry") {
    const delay = typeof r.retry_delay_ms === "number" ? ` in ${Math.round(r.retry_delay_ms)} ms` : "";
    return p("yellow", `! API error ${String(r.error_status ?? "")} ${String(r.error ?? "")}, retry ${String(r.attempt ?? "?")}/${String(r.max_retries ?? "?")}${delay}`.replace(/\s+/g, " "));
  }
  if (ev.subtype === "thinking_tokens") return "";
  return p("dim", `● system: ${ev.subtype || "event"}`);
}

function formatBlock(b: ContentBlock, p: Paint, maxResultLines: number): string {
  switch (b.type) {
    case "text":
      return b.text;
    case "thinking":
      return p("dim", `(thinking) ${b.thinking}`);
    case "tool_use":
      return `${p("cyan", `→ ${b.name}`)} ${toolInput(b.name, b.input)}`;
    case "tool_result": {
      const head = b.isError ? p("red", "← error") : p("green", "← ok");
      const body = limitLines(b.content, maxResultLines);
      return body.includes("\n") ? `${head}\n${p("dim", indent(body))}` : `${head} ${p("dim", body)}`;
    }
    case "other":
      return p("dim", `[${b.blockType}]`);
  }
}

function formatMessage(ev: AssistantEvent | UserEvent, p: Paint, maxResultLines: number): string {
  const text = ev.blocks.map((b) => formatBlock(b, p, maxResultLines)).filter((t) => t !== "").join("\n");
  if (ev.type === "assistant" && ev.isApiError) return p("red", `✗ ${text}`);
  return text;
}

function formatResult(ev: ResultEvent, p: Paint): string {
  const ok = ev.subtype === "success" && !ev.isError;
  const turns = ev.numTurns === null ? "" : ` · ${ev.numTurns} turn${ev.numTurns === 1 ? "" : "s"}`;
  const u = ev.usage;
  const tokens = ` · tokens in ${u.inputTokens} / out ${u.outputTokens} / cached ${u.cachedInputTokens}`;
  const cost = ev.totalCostUsd === null ? "" : ` · $${ev.totalCostUsd.toFixed(4)}`;
  const head = ok ? p("green", `✓ ${ev.subtype}`) : p("red", `✗ ${ev.subtype || "error"}`);
  const detail = ok ? "" : [ev.result ?? "", ...ev.errors].filter((t) => t !== "").map((t) => `\n  ${oneLine(t, 400)}`).join("");
  return `${head}${p("dim", `${turns}${tokens}${cost}`)}${detail}`;
}

function formatEvent(ev: ClaudeEvent, line: string, p: Paint, maxResultLines: number): string {
  switch (ev.type) {
    case "system":
      return formatSystem(ev, p);
    case "assistant":
    case "user":
      return formatMessage(ev, p, maxResultLines);
    case "result":
      return formatResult(ev, p);
    case "stream_event":
      return "";
    case "other":
      return p("dim", line);
  }
}

export function formatTranscriptLine(line: string, options: FormatOptions): string {
  const item = parseClaudeLine(line);
  const p = painter(options.color);
  if (item.kind === "text") return item.line.trim() === "" ? "" : item.line;
  return formatEvent(item.event, item.line, p, options.maxResultLines ?? 12);
}
