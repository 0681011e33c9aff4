// Pure: the readable text of a Claude Code `system` event (stream-json), for transcripts. No
// imports beyond events.ts: the UI parser bundle includes this file. Field names follow the
// CLI's documented SDK message types (permission_denied, informational, task_notification, ...).
import type { SystemEvent } from "./events.ts";
import { num, str } from "./events.ts";

function nonEmpty(value: unknown): string | null {
  const s = str(value);
  return s !== null && s.trim() !== "" ? s.trim() : null;
}

function joined(parts: Array<string | null>, separator: string): string {
  return parts.filter((p): p is string => p !== null).join(separator);
}

function apiRetryText(r: Record<string, unknown>): string {
  const status = typeof r.error_status === "number" ? ` ${r.error_status}` : "";
  const error = typeof r.error === "string" ? ` ${r.error}` : "";
  const delay = typeof r.retry_delay_ms === "number" ? `, retrying in ${Math.round(r.retry_delay_ms)} ms` : "";
  return `API error${status}${error} (attempt ${String(r.attempt ?? "?")} of ${String(r.max_retries ?? "?")})${delay}`;
}

function permissionDeniedText(r: Record<string, unknown>): string {
  const tool = nonEmpty(r.tool_name) ?? "a tool";
  const why = nonEmpty(r.decision_reason);
  const message = nonEmpty(r.message);
  return joined([`Permission denied for ${tool}`, why, message !== why ? message : null], ": ");
}

function taskText(subtype: string, r: Record<string, unknown>): string | null {
  const what = nonEmpty(r.description) ?? nonEmpty(r.summary) ?? nonEmpty(r.task_id);
  switch (subtype) {
    case "task_started":
      return `Task started${nonEmpty(r.subagent_type) ? ` (${nonEmpty(r.subagent_type)})` : ""}: ${what ?? "unnamed task"}`;
    case "task_notification": {
      const status = nonEmpty(r.status) ?? "finished";
      return `Task ${status}: ${nonEmpty(r.summary) ?? what ?? "no summary"}`;
    }
    case "task_progress":
    case "task_updated":
      return what ? `Task update: ${what}` : null;
    default:
      return null;
  }
}

function compactText(r: Record<string, unknown>): string {
  const meta = r.compact_metadata && typeof r.compact_metadata === "object" ? (r.compact_metadata as Record<string, unknown>) : {};
  const pre = num(meta.pre_tokens);
  const post = num(meta.post_tokens);
  const tokens = pre !== null ? ` (${pre}${post !== null ? ` -> ${post}` : ""} tokens)` : "";
  return `Conversation compacted${nonEmpty(meta.trigger) ? ` (${nonEmpty(meta.trigger)})` : ""}${tokens}`;
}

/** Fields that carry prose on the CLI's other system events, most specific first. */
const TEXT_FIELDS = ["content", "text", "message", "summary", "description", "error"] as const;

/**
 * The text to show for a system event other than init, or null when it is pure bookkeeping
 * (progress ticks, state flips) that would only clutter the transcript.
 */
export function systemEventText(ev: SystemEvent): string | null {
  const r = ev.raw;
  switch (ev.subtype) {
    case "api_retry":
      return apiRetryText(r);
    case "permission_denied":
      return permissionDeniedText(r);
    case "informational": {
      const level = nonEmpty(r.level);
      const content = nonEmpty(r.content);
      if (!content) return null;
      return level === "warning" || level === "suggestion" ? `${level}: ${content}` : content;
    }
    case "compact_boundary":
      return compactText(r);
    case "thinking_tokens":
    case "status":
    case "session_state_changed":
    case "background_tasks_changed":
    case "commands_changed":
    case "hook_started":
    case "hook_progress":
      return null;
    default: {
      const task = taskText(ev.subtype, r);
      if (task) return task;
      for (const field of TEXT_FIELDS) {
        const text = nonEmpty(r[field]);
        if (text) return `${ev.subtype || "system"}: ${text}`;
      }
      return `system: ${ev.subtype || "event"}`;
    }
  }
}
