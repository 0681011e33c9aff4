import { test } from "node:test";
import assert from "node:assert/strict";
import { bash, say, startAnthropicSim } from "../src/index.ts";
import type { AnthropicSim, Reply } from "../src/index.ts";

interface Sse {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): Sse[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "{}") as Record<string, unknown>;
      return { event, data };
    });
}

async function withSim(script: Reply[], fn: (sim: AnthropicSim) => Promise<void>, whenExhausted?: Reply): Promise<void> {
  const sim = await startAnthropicSim({ script, whenExhausted });
  try {
    await fn(sim);
  } finally {
    await sim.stop();
  }
}

function post(sim: AnthropicSim, body: Record<string, unknown>, pathname = "/v1/messages?beta=true"): Promise<Response> {
  return fetch(sim.url + pathname, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-test" },
    body: JSON.stringify({ model: "claude-test-1", max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...body }),
  });
}

function deltas(events: Sse[], type: string): string {
  return events
    .filter((e) => e.event === "content_block_delta")
    .map((e) => e.data.delta as Record<string, unknown>)
    .filter((d) => d.type === type)
    .map((d) => String(d.text ?? d.thinking ?? d.partial_json ?? ""))
    .join("");
}

test("anthropic-sim: a text reply streams the standard SSE sequence", async () => {
  await withSim([say("Hello there, world.")], async (sim) => {
    const res = await post(sim, { stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const events = parseSse(await res.text());
    assert.deepEqual(events.map((e) => e.event), ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    assert.equal(deltas(events, "text_delta"), "Hello there, world.");
    const start = events[0]?.data.message as Record<string, unknown>;
    assert.equal(start.model, "claude-test-1");
    const md = events.at(-2)?.data as { delta: { stop_reason: string }; usage: { output_tokens: number } };
    assert.equal(md.delta.stop_reason, "end_turn");
    assert.ok(md.usage.output_tokens > 0);
  });
});

test("anthropic-sim: tool_use streams input_json_delta and stops with tool_use; thinking streams thinking_delta", async () => {
  const thinking: Reply = { kind: "message", content: [{ type: "thinking", thinking: "Let me think about it." }, { type: "text", text: "ok" }] };
  await withSim([bash("echo hi", "Running."), thinking], async (sim) => {
    const events = parseSse(await (await post(sim, { stream: true })).text());
    const toolStart = events.find((e) => e.event === "content_block_start" && (e.data.content_block as { type: string }).type === "tool_use");
    assert.equal((toolStart?.data.content_block as { name: string }).name, "Bash");
    assert.deepEqual(JSON.parse(deltas(events, "input_json_delta")), { command: "echo hi", description: "Run a command" });
    assert.equal((events.at(-2)?.data.delta as { stop_reason: string }).stop_reason, "tool_use");
    const second = parseSse(await (await post(sim, { stream: true })).text());
    assert.equal(deltas(second, "thinking_delta"), "Let me think about it.");
    assert.ok(second.some((e) => (e.data.delta as { type?: string } | undefined)?.type === "signature_delta"));
  });
});

test("anthropic-sim: non-streaming requests get one JSON message", async () => {
  await withSim([bash("ls")], async (sim) => {
    const body = (await (await post(sim, { stream: false })).json()) as { type: string; content: Array<{ type: string; input?: unknown }>; stop_reason: string };
    assert.equal(body.type, "message");
    assert.equal(body.stop_reason, "tool_use");
    assert.deepEqual(body.content[0]?.input, { command: "ls", description: "Run a command" });
  });
});

const errorCases: Array<{ reply: Reply & { kind: "error" }; retryAfter: string | null }> = [
  { reply: { kind: "error", status: 529, errorType: "overloaded_error", message: "Overloaded" }, retryAfter: null },
  { reply: { kind: "error", status: 401, errorType: "authentication_error", message: "invalid x-api-key" }, retryAfter: null },
  { reply: { kind: "error", status: 429, errorType: "rate_limit_error", message: "slow down", retryAfterSec: 17 }, retryAfter: "17" },
];

for (const c of errorCases) {
  test(`anthropic-sim: error reply ${c.reply.status} ${c.reply.errorType}`, async () => {
    await withSim([c.reply], async (sim) => {
      const res = await post(sim, { stream: true });
      assert.equal(res.status, c.reply.status);
      assert.equal(res.headers.get("retry-after"), c.retryAfter);
      assert.deepEqual(await res.json(), { type: "error", error: { type: c.reply.errorType, message: c.reply.message } });
    });
  });
}

test("anthropic-sim: an empty reply has stop_reason null and no output tokens", async () => {
  await withSim([{ kind: "empty" }], async (sim) => {
    const events = parseSse(await (await post(sim, { stream: true })).text());
    assert.deepEqual(events.map((e) => e.event), ["message_start", "message_delta", "message_stop"]);
    assert.deepEqual(events[1]?.data, { type: "message_delta", delta: { stop_reason: null, stop_sequence: null }, usage: { output_tokens: 0 } });
  });
});

test("anthropic-sim: a cut reply destroys the socket after N events", async () => {
  await withSim([{ kind: "cut", content: [{ type: "text", text: "never finished, this text" }], afterEvents: 2 }], async (sim) => {
    const res = await post(sim, { stream: true });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = "";
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += new TextDecoder().decode(value);
      }
    });
    assert.deepEqual(parseSse(received).map((e) => e.event), ["message_start", "content_block_start"]);
  });
});

test("anthropic-sim: pauses between events slow the stream down", async () => {
  await withSim([say("slow", { pauseMs: 30 })], async (sim) => {
    const started = Date.now();
    const events = parseSse(await (await post(sim, { stream: true })).text());
    assert.equal(events.length, 6);
    assert.ok(Date.now() - started >= 150, `took ${Date.now() - started} ms`);
  });
});

test("anthropic-sim: other endpoints get 404 and are recorded; the queue falls back when exhausted", async () => {
  await withSim([say("first")], async (sim) => {
    const notFound = await fetch(`${sim.url}/v1/models`);
    assert.equal(notFound.status, 404);
    await notFound.text();
    await (await post(sim, { stream: true, system: "be brief" })).text();
    const fallback = (await (await post(sim, { stream: false })).json()) as { content: Array<{ text: string }> };
    assert.equal(fallback.content[0]?.text, "(anthropic-sim: the script has no more replies)");
    assert.deepEqual(sim.requests.map((r) => `${r.method} ${r.url} ${r.replyIndex}`), ["GET /v1/models null", "POST /v1/messages?beta=true 0", "POST /v1/messages?beta=true 1"]);
    assert.equal((sim.messageRequests()[0]?.body as { system: string }).system, "be brief");
    assert.equal(sim.requests[1]?.headers["x-api-key"], "sk-test");
  }, undefined);
});

test("anthropic-sim: a script function sees each request and its index", async () => {
  const sim = await startAnthropicSim({ script: (req, index) => say(`reply ${index} to ${(req.body as { model: string }).model}`) });
  try {
    for (const i of [0, 1]) {
      const body = (await (await post(sim, { stream: false })).json()) as { content: Array<{ text: string }> };
      assert.equal(body.content[0]?.text, `reply ${i} to claude-test-1`);
    }
  } finally {
    await sim.stop();
  }
});
