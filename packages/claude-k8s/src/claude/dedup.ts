// Pure safety net against replayed lines (the exact log resume is the primary defence).
// Claude Code emits ONE assistant event PER CONTENT BLOCK, several sharing one message id: keys
// therefore include the block, never the message id alone. State is a bounded LRU of keys.
import type { ContentBlock, StreamItem } from "./events.ts";
import { str } from "./events.ts";

export const DEFAULT_DEDUP_MAX_KEYS = 10_000;

/** 64-bit FNV-1a as hex: enough to tell blocks apart inside one run's window. */
export function contentHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

function blockKey(block: ContentBlock): string {
  if (block.type === "tool_use" && block.id) return `tool_use:${block.id}`;
  return `${block.type}:${contentHash(JSON.stringify(block))}`;
}

/** The identity of an event for replay detection, or null for lines that always pass. */
export function dedupKey(item: StreamItem): string | null {
  if (item.kind === "text") return null;
  const ev = item.event;
  const uuid = str(ev.raw.uuid);
  switch (ev.type) {
    case "assistant":
      if (ev.messageId) return `assistant:${ev.messageId}:${ev.blocks.map(blockKey).join("+")}`;
      break;
    case "user": {
      const toolUseIds = ev.blocks.flatMap((b) => (b.type === "tool_result" && b.toolUseId ? [b.toolUseId] : []));
      if (toolUseIds.length > 0) return `user:${toolUseIds.join("+")}`;
      break;
    }
    case "result":
      // Several results can share a session (one per turn): without result_index or uuid the
      // line itself (running totals differ) tells them apart.
      if (ev.sessionId) return `result:${ev.sessionId}:${String(ev.raw.result_index ?? uuid ?? contentHash(item.line))}`;
      break;
    // system/init is NOT keyed by session: the CLI emits one per turn (and subagents their own)
    // with the same session id; only its uuid or the identical line marks a replay.
  }
  return uuid ? `uuid:${uuid}` : `line:${contentHash(item.line)}`;
}

export interface TranscriptDedup {
  /** True the first time an event is seen (pass it on), false for a replay. Text always passes. */
  accept(item: StreamItem): boolean;
  readonly size: number;
}

export function createTranscriptDedup(options: { maxKeys?: number } = {}): TranscriptDedup {
  const maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_DEDUP_MAX_KEYS);
  const seen = new Map<string, true>();
  return {
    accept(item) {
      const key = dedupKey(item);
      if (key === null) return true;
      if (seen.has(key)) {
        // Refresh: a replay keeps its key young.
        seen.delete(key);
        seen.set(key, true);
        return false;
      }
      seen.set(key, true);
      if (seen.size > maxKeys) {
        const oldest = seen.keys().next();
        if (!oldest.done) seen.delete(oldest.value);
      }
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
