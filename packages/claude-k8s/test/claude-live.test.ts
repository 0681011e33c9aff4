// ONE live run of the real Claude Code CLI against anthropic-sim: keeps the recorded fixtures
// honest (if the CLI's output changes shape, this fails before the fixtures lie).
import { test } from "node:test";
import assert from "node:assert/strict";
import { say } from "anthropic-sim";
import { runClaudeAgainstSim } from "../scripts/run-claude.ts";
import { createStreamJsonParser } from "../src/claude/stream.ts";
import type { StreamItem } from "../src/claude/events.ts";
import { classifyClaudeRun } from "../src/claude/outcome.ts";
import { createTranscriptDedup } from "../src/claude/dedup.ts";
import { createStdoutParser } from "../src/ui-parser.ts";

test("live: the real CLI's plain answer parses, classifies as success and renders", { timeout: 90_000 }, async () => {
  const answer = `Live answer ${Date.now()} — é 日本.`;
  const run = await runClaudeAgainstSim({ prompt: "Say the live answer.", script: [say(answer)], timeoutMs: 60_000 });
  assert.equal(run.exitCode, 0, `claude failed: ${run.stderr}`);

  // Feed the bytes in small odd-sized chunks, as a log stream would deliver them.
  const bytes = new TextEncoder().encode(run.stdout);
  const parser = createStreamJsonParser();
  const items: StreamItem[] = [];
  for (let i = 0; i < bytes.length; i += 13) items.push(...parser.push(bytes.subarray(i, i + 13)));
  items.push(...parser.flush());
  assert.ok(items.every((i) => i.kind === "event"), "every stdout line is stream-json");

  const outcome = classifyClaudeRun(items, { termination: { exitCode: run.exitCode, reason: "Completed" }, env: run.env });
  assert.equal(outcome.errorCode, null, outcome.errorMessage ?? "");
  assert.equal(outcome.summary, answer);
  assert.match(outcome.sessionId ?? "", /^[0-9a-f-]{36}$/);
  assert.ok((outcome.usage?.outputTokens ?? 0) > 0);
  assert.equal(outcome.billingType, "api");

  const dedup = createTranscriptDedup();
  assert.equal(items.filter((i) => dedup.accept(i)).length, items.length);

  const ui = createStdoutParser();
  const entries = run.stdout.split("\n").filter((l) => l !== "").flatMap((l) => ui.parseLine(l, "t"));
  assert.deepEqual(entries.map((e) => e.kind), ["init", "assistant", "result"]);

  // What the CLI sent: one streaming messages call carrying our prompt.
  const sent = run.requests.filter((r) => r.replyIndex !== null);
  assert.equal(sent.length, 1);
  const body = sent[0]?.body as { stream: boolean; model: string; messages: unknown[] };
  assert.equal(body.stream, true);
  assert.equal(body.model, outcome.model);
  assert.match(JSON.stringify(body.messages), /Say the live answer\./);
});
