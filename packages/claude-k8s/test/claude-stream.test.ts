import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createStreamJsonParser, parseStreamJson, TRUNCATION_MARK } from "../src/claude/stream.ts";
import { parseClaudeLine } from "../src/claude/events.ts";
import type { StreamItem } from "../src/claude/events.ts";

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/claude");
const fixtures = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).sort();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function feed(bytes: Uint8Array, sizes: (i: number) => number): StreamItem[] {
  const parser = createStreamJsonParser();
  const out: StreamItem[] = [];
  for (let i = 0, n = 0; i < bytes.length; n++) {
    const size = Math.max(1, sizes(n));
    out.push(...parser.push(bytes.subarray(i, i + size)));
    i += size;
  }
  return [...out, ...parser.flush()];
}

function lines(items: StreamItem[]): string[] {
  return items.map((i) => i.line);
}

// A seeded generator so "random" chunk sizes are reproducible.
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s;
  };
}

const lineCases: Array<{ name: string; input: string; expected: Array<[StreamItem["kind"], string]> }> = [
  { name: "blank lines are plain text", input: "\n\n", expected: [["text", ""], ["text", ""]] },
  { name: "CRLF is stripped", input: '{"type":"system","subtype":"init"}\r\nplain\r\n', expected: [["event", '{"type":"system","subtype":"init"}'], ["text", "plain"]] },
  { name: "non-JSON passes through", input: "Error: model not found\n", expected: [["text", "Error: model not found"]] },
  { name: "JSON that is not an object is text", input: '[1,2]\n"str"\n42\n', expected: [["text", "[1,2]"], ["text", '"str"'], ["text", "42"]] },
  { name: "object without a type is text", input: '{"a":1}\n', expected: [["text", '{"a":1}']] },
  { name: "broken JSON is text", input: '{"type":"assistant",\n', expected: [["text", '{"type":"assistant",']] },
  { name: "partial last line is delivered by flush", input: 'a\n{"type":"result","subtype":"success"}', expected: [["text", "a"], ["event", '{"type":"result","subtype":"success"}']] },
  { name: "unknown event types are events of type other", input: '{"type":"rate_limit_event"}\n', expected: [["event", '{"type":"rate_limit_event"}']] },
];

for (const c of lineCases) {
  test(`stream parser: ${c.name}`, () => {
    const items = parseStreamJson(c.input);
    assert.deepEqual(items.map((i) => [i.kind, i.line]), c.expected);
  });
}

const multiByte = ["é", "日", "🚀", "\u{10FFFF}"];
for (const ch of multiByte) {
  test(`stream parser: a ${enc(ch).length}-byte character split at every byte position stays intact (${ch})`, () => {
    const text = `{"type":"assistant","message":{"content":[{"type":"text","text":"a${ch}b"}]}}\n`;
    const bytes = enc(text);
    const at = text.indexOf(ch);
    const byteAt = enc(text.slice(0, at)).length;
    for (let cut = byteAt; cut <= byteAt + enc(ch).length; cut++) {
      const parser = createStreamJsonParser();
      const items = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut)), ...parser.flush()];
      assert.equal(items.length, 1);
      const ev = items[0];
      assert.ok(ev?.kind === "event" && ev.event.type === "assistant");
      assert.deepEqual(ev.event.blocks, [{ type: "text", text: `a${ch}b` }]);
    }
  });
}

test("stream parser: a 500 KB line arrives intact in 1 KB chunks, and fast", () => {
  const big = "x".repeat(500 * 1024) + "é";
  const text = `${JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t1", content: big }] } })}\nafter\n`;
  const started = performance.now();
  const items = feed(enc(text), () => 1024);
  const elapsed = performance.now() - started;
  assert.equal(items.length, 2);
  const first = items[0];
  assert.ok(first?.kind === "event" && first.event.type === "user");
  const block = first.event.blocks[0];
  assert.ok(block?.type === "tool_result");
  assert.equal(block.content, big);
  assert.equal(items[1]?.line, "after");
  // A quadratic re-scan would take seconds here (500 chunks × 500 KB).
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
});

test("stream parser: a line over maxLineBytes is cut with a mark and the next line still parses", () => {
  const text = enc("y".repeat(250) + "\nnext\n");
  for (const size of [1, 30, 1000]) {
    const parser = createStreamJsonParser({ maxLineBytes: 100 });
    const items: StreamItem[] = [];
    for (let i = 0; i < text.length; i += size) items.push(...parser.push(text.subarray(i, i + size)));
    items.push(...parser.flush());
    assert.deepEqual(lines(items), ["y".repeat(100) + TRUNCATION_MARK, "next"], `chunk size ${size}`);
  }
});

for (const file of fixtures) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(fixtureDir, file)));
  const reference = parseStreamJson(bytes);
  test(`stream parser: ${file} gives the same items for 1-byte, 7-byte and random chunks`, () => {
    assert.ok(reference.length > 0);
    const random = seeded(file.length);
    assert.deepEqual(feed(bytes, () => 1), reference);
    assert.deepEqual(feed(bytes, () => 7), reference);
    assert.deepEqual(feed(bytes, () => 1 + (random() % 300)), reference);
  });
  test(`stream parser: ${file} has one JSON event per non-empty line`, () => {
    const textLines = new TextDecoder().decode(bytes).split("\n").filter((l) => l !== "");
    assert.equal(reference.length, textLines.length);
    assert.ok(reference.every((i) => i.kind === "event"));
  });
}

test("stream parser: chunk boundaries at every offset of the tool-use fixture", () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(fixtureDir, "tool-use.jsonl")));
  const reference = parseStreamJson(bytes);
  for (let cut = 0; cut <= bytes.length; cut += 1) {
    const parser = createStreamJsonParser();
    const items = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut)), ...parser.flush()];
    assert.deepEqual(lines(items), lines(reference), `cut at ${cut}`);
  }
});

const eventCases: Array<{ name: string; line: string; check: (item: StreamItem) => boolean }> = [
  { name: "init carries model and session", line: '{"type":"system","subtype":"init","model":"m1","session_id":"s1"}', check: (i) => i.kind === "event" && i.event.type === "system" && i.event.model === "m1" && i.event.sessionId === "s1" },
  { name: "result sums modelUsage including cache creation", line: '{"type":"result","subtype":"success","modelUsage":{"a":{"inputTokens":10,"cacheCreationInputTokens":5,"outputTokens":3,"cacheReadInputTokens":2},"b":{"inputTokens":1,"outputTokens":1}}}', check: (i) => i.kind === "event" && i.event.type === "result" && i.event.usage.inputTokens === 16 && i.event.usage.outputTokens === 4 && i.event.usage.cachedInputTokens === 2 },
  { name: "result falls back to top-level usage", line: '{"type":"result","usage":{"input_tokens":7,"output_tokens":2,"cache_read_input_tokens":1}}', check: (i) => i.kind === "event" && i.event.type === "result" && i.event.usage.inputTokens === 7 && i.event.usage.cachedInputTokens === 1 },
  { name: "tool_result with array content joins the text parts", line: '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"is_error":true}]}}', check: (i) => i.kind === "event" && i.event.type === "user" && JSON.stringify(i.event.blocks) === '[{"type":"tool_result","toolUseId":"t","content":"a\\nb","isError":true}]' },
  { name: "stream_event is typed", line: '{"type":"stream_event","event":{"type":"content_block_delta"}}', check: (i) => i.kind === "event" && i.event.type === "stream_event" },
];

for (const c of eventCases) {
  test(`event typing: ${c.name}`, () => {
    assert.ok(c.check(parseClaudeLine(c.line)));
  });
}
