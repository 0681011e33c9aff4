// What the UI parser shows for lines beyond the recorded fixtures: Paperclip's own lines, system
// events with text, repeated init events and several results in one run (token counting), plus
// the usage fields the server reads from the adapter's result.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TranscriptEntry } from "@paperclipai/adapter-utils";
import { createStdoutParser, parseStdoutLine } from "../src/ui-parser.ts";
import { classifyClaudeRun } from "../src/claude/outcome.ts";
import { parseStreamJson } from "../src/claude/stream.ts";

const TS = "2026-01-01T00:00:00.000Z";
const SESSION = "55145500-2d23-4cb5-92e9-e78428b25cb2";
const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/claude");

const systemLine = (fields: Record<string, unknown>): string => JSON.stringify({ type: "system", session_id: SESSION, uuid: `u-${JSON.stringify(fields).length}`, ...fields });

const cases: Array<{ name: string; line: string; expected: TranscriptEntry[] }> = [
  {
    name: "a [paperclip] line from the server is a system entry with its full text (the UI matches on it)",
    line: "[paperclip] Skipping saved session resume for task T-1: the workspace changed",
    expected: [{ kind: "system", ts: TS, text: "[paperclip] Skipping saved session resume for task T-1: the workspace changed" }],
  },
  {
    name: "permission denied names the tool and the reason",
    line: systemLine({ subtype: "permission_denied", tool_name: "Bash", tool_use_id: "toolu_1", decision_reason: "deny rule Bash(rm:*)", message: "Permission to use Bash has been denied." }),
    expected: [{ kind: "system", ts: TS, text: "Permission denied for Bash: deny rule Bash(rm:*): Permission to use Bash has been denied." }],
  },
  {
    name: "informational shows its content, warnings marked",
    line: systemLine({ subtype: "informational", content: "Stop hook prevented continuation", level: "warning" }),
    expected: [{ kind: "system", ts: TS, text: "warning: Stop hook prevented continuation" }],
  },
  {
    name: "informational at info level shows the content alone",
    line: systemLine({ subtype: "informational", content: "Loaded 3 skills", level: "info" }),
    expected: [{ kind: "system", ts: TS, text: "Loaded 3 skills" }],
  },
  {
    name: "a task notification shows its status and summary",
    line: systemLine({ subtype: "task_notification", task_id: "t1", status: "completed", output_file: "/tmp/o", summary: "Background build finished: 0 errors" }),
    expected: [{ kind: "system", ts: TS, text: "Task completed: Background build finished: 0 errors" }],
  },
  {
    name: "a started task shows its description and agent type",
    line: systemLine({ subtype: "task_started", task_id: "t1", description: "Explore the repo", subagent_type: "Explore" }),
    expected: [{ kind: "system", ts: TS, text: "Task started (Explore): Explore the repo" }],
  },
  {
    name: "a notification shows its text",
    line: systemLine({ subtype: "notification", key: "k", text: "Context is 90% full", priority: "high" }),
    expected: [{ kind: "system", ts: TS, text: "notification: Context is 90% full" }],
  },
  {
    name: "compaction shows the token counts",
    line: systemLine({ subtype: "compact_boundary", compact_metadata: { trigger: "auto", pre_tokens: 160000, post_tokens: 12000 } }),
    expected: [{ kind: "system", ts: TS, text: "Conversation compacted (auto) (160000 -> 12000 tokens)" }],
  },
  {
    name: "an unknown system event without text still says what it was",
    line: systemLine({ subtype: "files_persisted", files: [] }),
    expected: [{ kind: "system", ts: TS, text: "system: files_persisted" }],
  },
  { name: "state flips are bookkeeping, not transcript", line: systemLine({ subtype: "session_state_changed", state: "idle" }), expected: [] },
  { name: "status ticks are bookkeeping, not transcript", line: systemLine({ subtype: "status", status: "requesting" }), expected: [] },
];

for (const c of cases) {
  test(`ui-parser: ${c.name}`, () => {
    assert.deepEqual(parseStdoutLine(c.line, TS), c.expected);
    assert.deepEqual(createStdoutParser().parseLine(c.line, TS), c.expected);
  });
}

const init = (uuid: string, model: string): string => JSON.stringify({ type: "system", subtype: "init", session_id: SESSION, model, uuid, tools: [] });

test("ui-parser: a second system/init in the same session (next turn, subagent) is kept by both parsers; an exact replay only by the stateless one", () => {
  const lines = [init("u-1", "claude-opus-5-5"), init("u-2", "claude-haiku-5")];
  const expected = [
    { kind: "init", ts: TS, model: "claude-opus-5-5", sessionId: SESSION },
    { kind: "init", ts: TS, model: "claude-haiku-5", sessionId: SESSION },
  ];
  assert.deepEqual(lines.flatMap((l) => parseStdoutLine(l, TS)), expected);
  const stateful = createStdoutParser();
  assert.deepEqual(lines.flatMap((l) => stateful.parseLine(l, TS)), expected);
  assert.deepEqual(stateful.parseLine(lines[1]!, TS), [], "the same line again is a replay");
});

/** A result as the CLI writes it: usage is this turn's main loop, modelUsage the running total. */
function result(turn: { input: number; output: number }, total: { input: number; output: number; cached: number }, cost: number, uuid: string): string {
  return JSON.stringify({
    type: "result", subtype: "success", is_error: false, result: `done ${uuid}`, session_id: SESSION, uuid, total_cost_usd: cost,
    usage: { input_tokens: turn.input, output_tokens: turn.output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    modelUsage: { "claude-opus-5-5": { inputTokens: total.input, outputTokens: total.output, cacheReadInputTokens: total.cached, cacheCreationInputTokens: 0 } },
  });
}

// Two turns in one run: turn 2 used 40 in / 15 out in the main loop; a subagent in turn 1 used
// 30 in / 5 out, so the running totals are 130/25 after turn 1 and 170/40 after turn 2.
const twoResults = [result({ input: 100, output: 20 }, { input: 130, output: 25, cached: 7 }, 0.01, "r-1"), result({ input: 40, output: 15 }, { input: 170, output: 40, cached: 9 }, 0.02, "r-2")];
const tokensAsTheUiAddsThem = (entries: TranscriptEntry[]): number => entries.reduce((n, e) => (e.kind === "result" ? n + e.inputTokens + e.outputTokens : n), 0);

test("ui-parser: several results in one run are not double-counted when the UI adds up their tokens", () => {
  const stateless = twoResults.flatMap((l) => parseStdoutLine(l, TS));
  // Each turn's own main-loop usage: 120 + 55, never the running totals 155 + 210.
  assert.equal(tokensAsTheUiAddsThem(stateless), 175);
  const stateful = createStdoutParser();
  const deltas = twoResults.flatMap((l) => stateful.parseLine(l, TS));
  // The growth of the running totals, subagents included: 155 + 55 = the final total 210.
  assert.equal(tokensAsTheUiAddsThem(deltas), 210);
  assert.deepEqual(deltas.map((e) => (e.kind === "result" ? [e.inputTokens, e.outputTokens, e.cachedTokens] : [])), [[130, 25, 7], [40, 15, 2]]);
});

test("ui-parser: a running total that drops (a new CLI process or /clear) is counted from zero, never negative", () => {
  const parser = createStdoutParser();
  const entries = [twoResults[1]!, result({ input: 5, output: 1 }, { input: 5, output: 1, cached: 0 }, 0.001, "r-3")].flatMap((l) => parser.parseLine(l, TS));
  assert.deepEqual(entries.map((e) => (e.kind === "result" ? [e.inputTokens, e.outputTokens] : [])), [[170, 40], [5, 1]]);
});

test("outcome: usage is the LAST result's running total with usageBasis per_run (the server then stores it as is)", () => {
  // The server (heartbeat.js, resolveNormalizedUsageForSession) reads AdapterExecutionResult.usageBasis:
  // without "per_run" it subtracts the previous run's totals for the same session, and a resumed
  // session (whose CLI totals start fresh each process) would show too few or zero tokens.
  const outcome = classifyClaudeRun(parseStreamJson(`${init("u-1", "claude-opus-5-5")}\n${twoResults.join("\n")}\n`), { termination: { exitCode: 0, reason: "Completed" } });
  assert.equal(outcome.usageBasis, "per_run");
  assert.deepEqual(outcome.usage, { inputTokens: 170, outputTokens: 40, cachedInputTokens: 9 });
  assert.equal(outcome.costUsd, 0.02);
});

test("outcome: every recorded run that has a result declares usageBasis per_run; one without a result reports no usage", () => {
  for (const file of fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl"))) {
    const outcome = classifyClaudeRun(parseStreamJson(fs.readFileSync(path.join(fixtureDir, file), "utf8")));
    const hasResult = fs.readFileSync(path.join(fixtureDir, file), "utf8").includes('"type":"result"');
    assert.equal(outcome.usageBasis, hasResult ? "per_run" : undefined, file);
    assert.equal(outcome.usage === undefined, !hasResult, file);
  }
});
