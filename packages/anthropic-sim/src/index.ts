export { startAnthropicSim } from "./server.ts";
export { encodeSse, messageEvents, messageJson, say, bash } from "./sse.ts";
export type { SseEvent, MessageIdentity } from "./sse.ts";
export type {
  AnthropicSim, AnthropicSimOptions, ContentBlockSpec, CutReply, EmptyReply, ErrorReply, MessageReply,
  RecordedRequest, Reply, ScriptFunction,
} from "./types.ts";
