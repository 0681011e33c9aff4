// Pure: turn a scripted reply into the Messages API's SSE events or its non-streaming JSON.
import type { ContentBlockSpec, MessageReply } from "./types.ts";

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface MessageIdentity {
  messageId: string;
  model: string;
  /** Used to make tool_use ids unique across a session. */
  toolIdPrefix: string;
}

export function encodeSse(ev: SseEvent): string {
  return `event: ${ev.event}\ndata: ${JSON.stringify(ev.data)}\n\n`;
}

function toolId(block: ContentBlockSpec & { type: "tool_use" }, id: MessageIdentity, index: number): string {
  return block.id ?? `toolu_${id.toolIdPrefix}_${index}`;
}

function startBlock(block: ContentBlockSpec, id: MessageIdentity, index: number): Record<string, unknown> {
  switch (block.type) {
    case "text":
      return { type: "text", text: "" };
    case "thinking":
      return { type: "thinking", thinking: "", signature: "" };
    case "tool_use":
      return { type: "tool_use", id: toolId(block, id, index), name: block.name, input: {} };
  }
}

/** Split a string into a few deltas so clients really have to assemble them. */
function pieces(text: string): string[] {
  if (text.length <= 8) return [text];
  const mid = Math.floor(text.length / 2);
  return [text.slice(0, mid), text.slice(mid)];
}

function blockDeltas(block: ContentBlockSpec, index: number): SseEvent[] {
  const delta = (d: Record<string, unknown>): SseEvent => ({
    event: "content_block_delta",
    data: { type: "content_block_delta", index, delta: d },
  });
  switch (block.type) {
    case "text":
      return pieces(block.text).map((text) => delta({ type: "text_delta", text }));
    case "thinking":
      return [
        ...pieces(block.thinking).map((thinking) => delta({ type: "thinking_delta", thinking })),
        delta({ type: "signature_delta", signature: block.signature ?? "sim-signature" }),
      ];
    case "tool_use":
      return pieces(JSON.stringify(block.input)).map((partial_json) =>
        delta({ type: "input_json_delta", partial_json }),
      );
  }
}

export function defaultStopReason(content: ContentBlockSpec[]): string {
  return content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
}

function estimateOutputTokens(content: ContentBlockSpec[]): number {
  const chars = content.reduce((n, b) => n + JSON.stringify(b).length, 0);
  return Math.max(1, Math.ceil(chars / 4));
}

export function messageEvents(reply: MessageReply, id: MessageIdentity): SseEvent[] {
  const inputTokens = reply.usage?.inputTokens ?? 100;
  const outputTokens = reply.usage?.outputTokens ?? estimateOutputTokens(reply.content);
  const stopReason = reply.stopReason === undefined ? defaultStopReason(reply.content) : reply.stopReason;
  const events: SseEvent[] = [
    {
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          id: id.messageId, type: "message", role: "assistant", model: reply.model ?? id.model,
          content: [], stop_reason: null, stop_sequence: null,
          usage: {
            input_tokens: inputTokens, output_tokens: reply.content.length > 0 ? 1 : 0,
            cache_creation_input_tokens: 0, cache_read_input_tokens: reply.usage?.cacheReadInputTokens ?? 0,
          },
        },
      },
    },
  ];
  reply.content.forEach((block, index) => {
    events.push({
      event: "content_block_start",
      data: { type: "content_block_start", index, content_block: startBlock(block, id, index) },
    });
    events.push(...blockDeltas(block, index));
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
  });
  events.push({
    event: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: reply.content.length > 0 ? outputTokens : 0 },
    },
  });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  return events;
}

/** The same reply as one non-streaming JSON message. */
export function messageJson(reply: MessageReply, id: MessageIdentity): Record<string, unknown> {
  const content = reply.content.map((block, index) => {
    switch (block.type) {
      case "text":
        return { type: "text", text: block.text };
      case "thinking":
        return { type: "thinking", thinking: block.thinking, signature: block.signature ?? "sim-signature" };
      case "tool_use":
        return { type: "tool_use", id: toolId(block, id, index), name: block.name, input: block.input };
    }
  });
  return {
    id: id.messageId, type: "message", role: "assistant", model: reply.model ?? id.model, content,
    stop_reason: reply.stopReason === undefined ? defaultStopReason(reply.content) : reply.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: reply.usage?.inputTokens ?? 100,
      output_tokens: reply.content.length > 0 ? (reply.usage?.outputTokens ?? estimateOutputTokens(reply.content)) : 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: reply.usage?.cacheReadInputTokens ?? 0,
    },
  };
}

/** Shorthands for scripts. */
export const say = (text: string, extra: Partial<MessageReply> = {}): MessageReply => ({
  kind: "message", content: [{ type: "text", text }], ...extra,
});
export const bash = (command: string, preamble?: string): MessageReply => ({
  kind: "message",
  content: [
    ...(preamble ? [{ type: "text" as const, text: preamble }] : []),
    { type: "tool_use", name: "Bash", input: { command, description: "Run a command" } },
  ],
});
