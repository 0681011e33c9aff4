import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatTranscriptLine } from "../src/cli/format.ts";

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/claude");
const fixtures = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).sort();
const lines = (f: string): string[] => fs.readFileSync(path.join(fixtureDir, f), "utf8").split("\n").filter((l) => l !== "");
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[\d+m/g;

function formatFixture(file: string, color: boolean): string {
  return lines(file).map((l) => formatTranscriptLine(l, { color })).filter((t) => t !== "").join("\n");
}

const fixtureCases: Array<{ file: string; contains: RegExp[] }> = [
  { file: "plain-answer.jsonl", contains: [/^● session [0-9a-f-]{36} · model claude-opus-5-5 · cwd /m, /^Hello from the scripted model\.$/m, /^✓ success · 1 turn · tokens in \d+ \/ out \d+ \/ cached 0 · \$0\.\d{4}$/m] },
  { file: "tool-use.jsonl", contains: [/^Let me run it\.$/m, /^→ Bash echo hello-from-bash$/m, /^← ok hello-from-bash$/m, /✓ success · 2 turns/] },
  { file: "thinking.jsonl", contains: [/^\(thinking\) The user wants a short answer\.$/m, /^Short answer\.$/m] },
  { file: "max-turns.jsonl", contains: [/^✗ error_max_turns · 2 turns/m, /^ {2}Reached maximum number of turns \(1\)$/m] },
  { file: "api-overloaded.jsonl", contains: [/^! API error 529 overloaded, retry 1\/1 in \d+ ms$/m, /^✗ API Error: 529 Overloaded/m] },
  { file: "resume-unknown-session.jsonl", contains: [/^✗ error_during_execution/m, /No conversation found with session ID/] },
];

for (const c of fixtureCases) {
  test(`format: ${c.file}`, () => {
    const out = formatFixture(c.file, false);
    for (const re of c.contains) assert.match(out, re);
    assert.doesNotMatch(out, ANSI);
  });
}

for (const file of fixtures) {
  test(`format: ${file} with colour differs from without only by ANSI codes`, () => {
    for (const l of lines(file)) {
      const plain = formatTranscriptLine(l, { color: false });
      const coloured = formatTranscriptLine(l, { color: true });
      assert.equal(coloured.replace(ANSI, ""), plain);
    }
    assert.match(formatFixture(file, true), ANSI);
  });
}

const lineCases: Array<{ name: string; line: string; expected: string }> = [
  { name: "plain text passes through", line: "Error: something", expected: "Error: something" },
  { name: "blank line is skipped", line: "   ", expected: "" },
  { name: "thinking_tokens ticks are skipped", line: '{"type":"system","subtype":"thinking_tokens","estimated_tokens":4}', expected: "" },
  { name: "stream_event is skipped", line: '{"type":"stream_event","event":{}}', expected: "" },
  { name: "tool call shows the file path", line: '{"type":"assistant","message":{"id":"m","content":[{"type":"tool_use","id":"t","name":"Read","input":{"file_path":"/a/b.ts"}}]}}', expected: "→ Read /a/b.ts" },
  { name: "tool call without a known key shows JSON", line: '{"type":"assistant","message":{"id":"m","content":[{"type":"tool_use","id":"t","name":"X","input":{"n":1}}]}}', expected: '→ X {"n":1}' },
  { name: "failed tool result", line: '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"boom","is_error":true}]}}', expected: "← error boom" },
  { name: "long tool results are cut", line: JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t", content: Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n") }] } }), expected: `← ok\n${Array.from({ length: 12 }, (_, i) => `  l${i}`).join("\n")}\n  … (8 more lines)` },
  { name: "unknown event types are shown raw", line: '{"type":"rate_limit_event"}', expected: '{"type":"rate_limit_event"}' },
];

for (const c of lineCases) {
  test(`format: ${c.name}`, () => assert.equal(formatTranscriptLine(c.line, { color: false }), c.expected));
}

test("format: colour codes appear only when asked", () => {
  const line = '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"boom","is_error":true}]}}';
  assert.equal(formatTranscriptLine(line, { color: true }), "\u001b[31m← error\u001b[0m \u001b[2mboom\u001b[0m");
});
