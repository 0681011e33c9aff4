import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTranscriptDedup, dedupKey } from "../src/claude/dedup.ts";
import { parseStreamJson } from "../src/claude/stream.ts";
import { parseClaudeLine } from "../src/claude/events.ts";
import type { StreamItem } from "../src/claude/events.ts";

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/claude");
const fixtures = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).sort();
const load = (f: string): StreamItem[] => parseStreamJson(fs.readFileSync(path.join(fixtureDir, f), "utf8"));

function run(items: StreamItem[], maxKeys?: number): StreamItem[] {
  const dedup = createTranscriptDedup({ maxKeys });
  return items.filter((i) => dedup.accept(i));
}

const replays: Array<{ name: string; replay: (items: StreamItem[]) => StreamItem[] }> = [
  { name: "every line twice in a row", replay: (items) => items.flatMap((i) => [i, i]) },
  { name: "the whole transcript twice", replay: (items) => [...items, ...items] },
  { name: "a reconnect replaying the last 3 lines", replay: (items) => [...items.slice(0, -1), ...items.slice(-4)] },
];

for (const file of fixtures) {
  for (const r of replays) {
    test(`dedup: ${file}, ${r.name} -> each event once`, () => {
      const items = load(file);
      assert.deepEqual(run(r.replay(items)), items);
    });
  }
}

test("dedup: the tool-use fixture's two assistant events share one message id and both pass", () => {
  const assistants = load("tool-use.jsonl").filter((i) => i.kind === "event" && i.event.type === "assistant");
  const ids = assistants.map((i) => (i.kind === "event" && i.event.type === "assistant" ? i.event.messageId : null));
  assert.equal(ids.length, 3);
  assert.equal(ids[0], ids[1]);
  assert.deepEqual(run(assistants), assistants);
});

// Synthetic events, stripped of uuids so only the structural keys decide.
const line = (o: unknown): StreamItem => parseClaudeLine(JSON.stringify(o));
const text = (id: string, t: string): StreamItem => line({ type: "assistant", message: { id, content: [{ type: "text", text: t }] } });
const tool = (id: string, toolId: string): StreamItem => line({ type: "assistant", message: { id, content: [{ type: "tool_use", id: toolId, name: "Bash", input: {} }] } });
const toolResult = (toolId: string): StreamItem => line({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: toolId, content: "ok" }] } });

const keyCases: Array<{ name: string; items: StreamItem[]; passed: number }> = [
  { name: "same message id, different text blocks", items: [text("m1", "a"), text("m1", "b")], passed: 2 },
  { name: "same message id, text then tool_use", items: [text("m1", "a"), tool("m1", "t1")], passed: 2 },
  { name: "same message id and block replayed", items: [text("m1", "a"), text("m1", "a")], passed: 1 },
  { name: "same text in two messages", items: [text("m1", "ok"), text("m2", "ok")], passed: 2 },
  { name: "tool results keyed by tool_use id", items: [toolResult("t1"), toolResult("t2"), toolResult("t1")], passed: 2 },
  { name: "plain text lines always pass", items: [parseClaudeLine("same"), parseClaudeLine("same"), parseClaudeLine("")], passed: 3 },
  { name: "results keyed by session", items: [line({ type: "result", session_id: "s1" }), line({ type: "result", session_id: "s1" }), line({ type: "result", session_id: "s2" })], passed: 2 },
];

for (const c of keyCases) {
  test(`dedup keys: ${c.name}`, () => assert.equal(run(c.items).length, c.passed));
}

test("dedup: state is bounded; a key evicted from the LRU passes again", () => {
  const dedup = createTranscriptDedup({ maxKeys: 3 });
  const items = ["a", "b", "c", "d"].map((t) => text("m", t));
  for (const i of items) assert.equal(dedup.accept(i), true);
  assert.equal(dedup.size, 3);
  assert.equal(dedup.accept(items[3] as StreamItem), false);
  assert.equal(dedup.accept(items[0] as StreamItem), true, "the oldest key was evicted");
  assert.equal(dedup.size, 3);
});

test("dedup: dedupKey is null only for text", () => {
  for (const file of fixtures) for (const i of load(file)) assert.notEqual(dedupKey(i), null);
  assert.equal(dedupKey(parseClaudeLine("not json")), null);
});
