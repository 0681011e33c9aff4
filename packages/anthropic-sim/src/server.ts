// The HTTP side: serves POST /v1/messages on 127.0.0.1 from a script, records every request.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { encodeSse, messageEvents, messageJson } from "./sse.ts";
import type { MessageIdentity, SseEvent } from "./sse.ts";
import type { AnthropicSim, AnthropicSimOptions, ErrorReply, RecordedRequest, Reply } from "./types.ts";

const EXHAUSTED: Reply = {
  kind: "message",
  content: [{ type: "text", text: "(anthropic-sim: the script has no more replies)" }],
};

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function field(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

function sendError(res: http.ServerResponse, reply: ErrorReply): void {
  const headers: Record<string, string> = { "content-type": "application/json", "request-id": "req_sim", ...reply.headers };
  if (reply.retryAfterSec !== undefined) headers["retry-after"] = String(reply.retryAfterSec);
  res.writeHead(reply.status, headers);
  res.end(JSON.stringify({ type: "error", error: { type: reply.errorType, message: reply.message } }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function streamEvents(res: http.ServerResponse, events: SseEvent[], pauseMs: number, cutAfter: number | null): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": "req_sim" });
  res.flushHeaders();
  let sent = 0;
  for (const ev of events) {
    if (cutAfter !== null && sent >= cutAfter) {
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    // Wait for the bytes to reach the socket, so a cut really comes after N delivered events.
    await new Promise<void>((resolve) => res.write(encodeSse(ev), () => resolve()));
    sent++;
    if (pauseMs > 0) await sleep(pauseMs);
  }
  res.end();
}

async function answerMessages(res: http.ServerResponse, reply: Reply, streaming: boolean, id: MessageIdentity): Promise<void> {
  switch (reply.kind) {
    case "error":
      return sendError(res, reply);
    case "empty": {
      const empty = { kind: "message" as const, content: [], stopReason: null, usage: { outputTokens: 0 } };
      if (!streaming) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(messageJson(empty, id)));
      return streamEvents(res, messageEvents(empty, id), 0, null);
    }
    case "cut": {
      const events = messageEvents({ kind: "message", content: reply.content }, id);
      return streamEvents(res, events, 0, reply.afterEvents);
    }
    case "message":
      if (!streaming) {
        res.writeHead(200, { "content-type": "application/json", "request-id": "req_sim" });
        return void res.end(JSON.stringify(messageJson(reply, id)));
      }
      return streamEvents(res, messageEvents(reply, id), reply.pauseMs ?? 0, null);
  }
}

function isMessagesPath(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return path === "/v1/messages";
}

/** Start the scripted Messages API on 127.0.0.1. */
export async function startAnthropicSim(options: AnthropicSimOptions): Promise<AnthropicSim> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let messageCount = 0;
  const pick = (rec: RecordedRequest, index: number): Reply => {
    if (typeof options.script === "function") return options.script(rec, index);
    return options.script[index] ?? options.whenExhausted ?? EXHAUSTED;
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = parseBody(await readBody(req));
      const url = req.url ?? "/";
      const rec: RecordedRequest = { index: requests.length, method: req.method ?? "GET", url, headers: req.headers, body, replyIndex: null };
      requests.push(rec);
      if (req.method !== "POST" || !isMessagesPath(url)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `anthropic-sim: no ${req.method} ${url}` } }));
        return;
      }
      const index = messageCount++;
      rec.replyIndex = index;
      const model = typeof field(body, "model") === "string" ? (field(body, "model") as string) : "claude-sim";
      const id: MessageIdentity = { messageId: `msg_sim_${index + 1}`, model, toolIdPrefix: `sim${index + 1}` };
      await answerMessages(res, pick(rec, index), field(body, "stream") === true, id);
    })().catch(() => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messageRequests: () => requests.filter((r) => r.replyIndex !== null),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
