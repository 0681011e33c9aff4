// The claude/ module's public face: pure stream-json parsing, classification and dedup.
export { createStreamJsonParser, parseStreamJson, ByteLineSplitter, DEFAULT_MAX_LINE_BYTES, TRUNCATION_MARK } from "./stream.ts";
export type { StreamJsonParser, StreamJsonParserOptions } from "./stream.ts";
export { parseClaudeLine, toClaudeEvent } from "./events.ts";
export type { AssistantEvent, ClaudeEvent, ContentBlock, ResultEvent, StreamItem, SystemEvent, UserEvent } from "./events.ts";
export { classifyClaudeRun, billingFor } from "./outcome.ts";
export type { BillingType, ClassifyOptions, ClaudeRunOutcome, ContainerTermination, ErrorFamily } from "./outcome.ts";
export { collectFacts, describePartialRun } from "./facts.ts";
export { createTranscriptDedup, dedupKey, DEFAULT_DEDUP_MAX_KEYS } from "./dedup.ts";
export type { TranscriptDedup } from "./dedup.ts";
