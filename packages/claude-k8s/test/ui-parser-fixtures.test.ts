import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TranscriptEntry } from "@paperclipai/adapter-utils";
import { createStdoutParser, parseStdoutLine } from "../src/ui-parser.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtureDir = path.join(here, "fixtures/claude");
const fixtures = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).sort();
const TS = "2026-01-01T00:00:00.000Z";

function fixtureLines(file: string): string[] {
  return fs.readFileSync(path.join(fixtureDir, file), "utf8").split("\n").filter((l) => l !== "");
}

function parseAll(file: string): TranscriptEntry[] {
  const parser = createStdoutParser();
  return fixtureLines(file).flatMap((l) => parser.parseLine(l, TS));
}

const kinds = (entries: TranscriptEntry[]): string[] => entries.map((e) => e.kind);

// What each recorded transcript must look like in the UI, in order.
const expectedKinds: Record<string, string[]> = {
  "plain-answer.jsonl": ["init", "assistant", "result"],
  "tool-use.jsonl": ["init", "assistant", "tool_call", "tool_result", "assistant", "result"],
  "multi-turn.jsonl": ["init", "tool_call", "tool_result", "tool_call", "tool_result", "tool_call", "tool_result", "assistant", "result"],
  "thinking.jsonl": ["init", "thinking", "assistant", "result"],
  "api-overloaded.jsonl": ["init", "system", "stderr", "result"],
  "api-auth-401.jsonl": ["init", "system", "stderr", "result"],
  "api-rate-limit.jsonl": ["init", "system", "stderr", "result"],
  "cut-mid-stream.jsonl": ["init", "system", "stderr", "result"],
  "max-turns.jsonl": ["init", "tool_call", "tool_result", "result"],
  "resume-unknown-session.jsonl": ["result"],
  "empty-reply.jsonl": ["init", "result"],
  "killed-mid-run.jsonl": ["init", "assistant"],
};

test("ui-parser: every fixture has an expectation", () => {
  assert.deepEqual(Object.keys(expectedKinds).sort(), fixtures);
});

for (const file of fixtures) {
  test(`ui-parser: ${file} maps to ${(expectedKinds[file] ?? []).join(", ")}`, () => {
    const entries = parseAll(file);
    assert.deepEqual(kinds(entries), expectedKinds[file]);
    for (const e of entries) assert.equal(e.ts, TS);
  });
  test(`ui-parser: ${file} — stateless parseStdoutLine agrees with the stateful parser on kinds`, () => {
    const stateless = fixtureLines(file).flatMap((l) => parseStdoutLine(l, TS));
    assert.deepEqual(kinds(stateless), expectedKinds[file]);
  });
}

test("ui-parser: tool-use details (tool name carried to the result, real command output)", () => {
  const entries = parseAll("tool-use.jsonl");
  const call = entries.find((e) => e.kind === "tool_call");
  const result = entries.find((e) => e.kind === "tool_result");
  assert.ok(call?.kind === "tool_call" && result?.kind === "tool_result");
  assert.equal(call.name, "Bash");
  assert.deepEqual(call.input, { command: "echo hello-from-bash", description: "Run a command" });
  assert.equal(result.toolUseId, call.toolUseId);
  assert.equal(result.toolName, "Bash");
  assert.equal(result.content, "hello-from-bash");
  assert.equal(result.isError, false);
  const init = entries[0];
  assert.ok(init?.kind === "init" && init.model === "claude-opus-5-5" && /^[0-9a-f-]{36}$/.test(init.sessionId));
});

test("ui-parser: result entries carry tokens, cost and errors", () => {
  const ok = parseAll("plain-answer.jsonl").at(-1);
  assert.ok(ok?.kind === "result");
  assert.equal(ok.isError, false);
  assert.equal(ok.subtype, "success");
  assert.ok(ok.inputTokens > 0 && ok.outputTokens > 0 && ok.costUsd > 0);
  const maxTurns = parseAll("max-turns.jsonl").at(-1);
  assert.ok(maxTurns?.kind === "result");
  assert.equal(maxTurns.isError, true);
  assert.deepEqual(maxTurns.errors, ["Reached maximum number of turns (1)"]);
});

test("ui-parser: multi-byte tool output survives", () => {
  const results = parseAll("multi-turn.jsonl").filter((e) => e.kind === "tool_result");
  assert.ok(results.some((e) => e.kind === "tool_result" && e.content.includes("café 日本 🚀")));
});

test("ui-parser: the stateful parser drops a replayed line, the stateless one cannot", () => {
  const lines = fixtureLines("tool-use.jsonl");
  const parser = createStdoutParser();
  const once = lines.flatMap((l) => parser.parseLine(l, TS));
  const replay = lines.flatMap((l) => parser.parseLine(l, TS));
  assert.equal(replay.length, 0);
  assert.ok(once.length > 0);
  parser.reset();
  assert.deepEqual(kinds(lines.flatMap((l) => parser.parseLine(l, TS))), kinds(once));
});

const plainCases: Array<{ line: string; expected: TranscriptEntry[] }> = [
  { line: "", expected: [] },
  { line: "   ", expected: [] },
  { line: "npm warn something", expected: [{ kind: "stdout", ts: TS, text: "npm warn something" }] },
  { line: "[claude-k8s] still running (pod ac-x, 60 s)", expected: [{ kind: "system", ts: TS, text: "still running (pod ac-x, 60 s)" }] },
  { line: "[claude_k8s] config warning: unknown key foo", expected: [{ kind: "system", ts: TS, text: "config warning: unknown key foo" }] },
  { line: '{"type":"rate_limit_event","x":1}', expected: [{ kind: "stdout", ts: TS, text: '{"type":"rate_limit_event","x":1}' }] },
  { line: '{"type":"stream_event","event":{}}', expected: [] },
  { line: '{"type":"user","message":{"content":[{"type":"text","text":"hi"}]}}', expected: [{ kind: "user", ts: TS, text: "hi" }] },
];

for (const c of plainCases) {
  test(`ui-parser: line ${JSON.stringify(c.line).slice(0, 50)}`, () => assert.deepEqual(parseStdoutLine(c.line, TS), c.expected));
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

test("ui-parser: fuzz with garbage and mutated fixture lines never throws", () => {
  const rand = seeded(42);
  const alphabet = '{}[]":,\\ntypeassistantuserresultcontent0123456789\u0000\uD800é🚀nulltruefalse';
  const samples = fixtures.flatMap(fixtureLines);
  const weird: unknown[] = [null, undefined, 42, {}, [], '{"type":null}', '{"type":"assistant","message":null}', '{"type":"assistant","message":{"content":[null,1,"x",{"type":"tool_use","input":null}]}}', '{"type":"user","message":{"content":"text"}}', '{"type":"result","usage":"x","modelUsage":[1],"errors":[{},null,3]}', '{"type":"system","subtype":"api_retry","attempt":{}}'];
  let entries = 0;
  const parser = createStdoutParser();
  for (let i = 0; i < 3000; i++) {
    let line: unknown;
    if (i < weird.length) line = weird[i];
    else if (i % 2 === 0) {
      const base = samples[Math.floor(rand() * samples.length)] ?? "";
      const cut = Math.floor(rand() * base.length);
      line = base.slice(0, cut) + alphabet[Math.floor(rand() * alphabet.length)] + base.slice(cut + 1);
    } else line = Array.from({ length: Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    const a = parseStdoutLine(line as string, TS);
    const b = parser.parseLine(line as string, i % 7 === 0 ? (undefined as unknown as string) : TS);
    assert.ok(Array.isArray(a) && Array.isArray(b));
    entries += a.length;
  }
  assert.ok(entries > 1000);
});
