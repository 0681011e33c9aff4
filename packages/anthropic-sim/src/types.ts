// What a test can make the scripted model "say". Each POST /v1/messages consumes one Reply.

export type ContentBlockSpec =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature?: string }
  | { type: "tool_use"; name: string; input: Record<string, unknown>; id?: string };

export interface MessageReply {
  kind: "message";
  content: ContentBlockSpec[];
  /** Defaults to "tool_use" when a tool_use block is present, else "end_turn". */
  stopReason?: string | null;
  /** Token counts reported in message_start / message_delta. */
  usage?: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number };
  /** Milliseconds to wait between two SSE events (a slow stream). */
  pauseMs?: number;
  /** Overrides the model echoed back (defaults to the request's model). */
  model?: string;
}

export interface ErrorReply {
  kind: "error";
  /** HTTP status: 529 overloaded, 401 authentication, 429 rate limit, 500... */
  status: number;
  /** Anthropic error type, e.g. "overloaded_error", "authentication_error", "rate_limit_error". */
  errorType: string;
  message: string;
  /** Seconds, sent as the `retry-after` header. */
  retryAfterSec?: number;
  /** Extra response headers (e.g. anthropic-ratelimit-*-reset). */
  headers?: Record<string, string>;
}

/** A streamed message with `stop_reason: null` and no output tokens: nothing was generated. */
export interface EmptyReply {
  kind: "empty";
}

/** Stream the message's events, then destroy the socket after `afterEvents` SSE events. */
export interface CutReply {
  kind: "cut";
  content: ContentBlockSpec[];
  afterEvents: number;
}

export type Reply = MessageReply | ErrorReply | EmptyReply | CutReply;

export interface RecordedRequest {
  index: number;
  method: string;
  /** Path and query, e.g. "/v1/messages?beta=true". */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** The index of the Reply this request consumed (messages requests only). */
  replyIndex: number | null;
}

/** A reply chosen per request: the request body and its 0-based index among message requests. */
export type ScriptFunction = (request: RecordedRequest, index: number) => Reply;

export interface AnthropicSimOptions {
  /** A queue of replies consumed in order, or a function choosing one per request. */
  script: Reply[] | ScriptFunction;
  /** Used when the queue is exhausted; defaults to a short text reply saying so. */
  whenExhausted?: Reply;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
}

export interface AnthropicSim {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:43567 */
  url: string;
  /** Every request received, in order (including 404s). */
  requests: RecordedRequest[];
  /** Only the POST /v1/messages requests. */
  messageRequests(): RecordedRequest[];
  stop(): Promise<void>;
}
