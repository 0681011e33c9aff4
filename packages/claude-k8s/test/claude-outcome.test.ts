import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AdapterExecutionResult } from "@paperclipai/adapter-utils";
import { billingFor, classifyClaudeRun } from "../src/claude/outcome.ts";
import type { ClaudeRunOutcome, ContainerTermination } from "../src/claude/outcome.ts";
import { parseStreamJson } from "../src/claude/stream.ts";
import type { StreamItem } from "../src/claude/events.ts";

// Type-level: an outcome can be returned as-is where Paperclip expects an AdapterExecutionResult.
const _assignable = (o: ClaudeRunOutcome): AdapterExecutionResult => o;
void _assignable;

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/claude");
const NOW = new Date("2026-01-01T00:00:00.000Z");
const API_ENV = { ANTHROPIC_API_KEY: "sk-test" };

interface Fixture {
  items: StreamItem[];
  meta: { exitCode: number | null; stderr: string };
}

function load(name: string): Fixture {
  const meta = JSON.parse(fs.readFileSync(path.join(fixtureDir, `${name}.meta.json`), "utf8")) as Fixture["meta"];
  // In a pod, stdout and stderr share one log: the stderr lines arrive as plain text lines.
  const items = parseStreamJson(fs.readFileSync(path.join(fixtureDir, `${name}.jsonl`), "utf8") + meta.stderr);
  return { items, meta };
}

function terminationOf(meta: Fixture["meta"]): ContainerTermination {
  return { exitCode: meta.exitCode, reason: meta.exitCode === 0 ? "Completed" : "Error" };
}

interface FixtureCase {
  fixture: string;
  errorCode: string | null;
  errorFamily?: string | null;
  clearSession?: boolean;
  check?: (o: ClaudeRunOutcome) => void;
}

const fixtureCases: FixtureCase[] = [
  { fixture: "plain-answer", errorCode: null, check: (o) => {
    assert.equal(o.summary, "Hello from the scripted model.");
    assert.equal(o.exitCode, 0);
    assert.ok(o.usage && o.usage.inputTokens > 0 && o.usage.outputTokens > 0);
    assert.ok((o.costUsd ?? 0) > 0);
    assert.equal(o.model, "claude-opus-5-5");
    assert.match(o.sessionId ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(o.sessionParams, { sessionId: o.sessionId, cwd: o.sessionParams?.cwd });
    assert.equal(typeof o.sessionParams?.cwd, "string");
    assert.equal(o.sessionDisplayId, o.sessionId);
    assert.equal(o.billingType, "api");
    assert.equal(o.provider, "anthropic");
  } },
  { fixture: "tool-use", errorCode: null, check: (o) => assert.equal(o.summary, "The command printed hello-from-bash.") },
  { fixture: "multi-turn", errorCode: null, check: (o) => assert.equal(o.summary, "Three commands done: café 日本 🚀.") },
  { fixture: "thinking", errorCode: null, check: (o) => assert.equal(o.summary, "Short answer.") },
  { fixture: "api-overloaded", errorCode: "claude_transient_upstream", errorFamily: "transient_upstream", check: (o) => assert.match(o.errorMessage ?? "", /529 Overloaded/) },
  { fixture: "cut-mid-stream", errorCode: "claude_transient_upstream", errorFamily: "transient_upstream", check: (o) => assert.match(o.errorMessage ?? "", /ECONNRESET/) },
  { fixture: "api-auth-401", errorCode: "claude_auth_failed", errorFamily: null, check: (o) => {
    assert.match(o.errorMessage ?? "", /Invalid API key/);
    assert.match(o.errorMessage ?? "", /ANTHROPIC_API_KEY/);
  } },
  { fixture: "api-rate-limit", errorCode: "provider_quota", errorFamily: "provider_quota", check: (o) => {
    // The CLI surfaces the API's retry-after (5 s) as the last retry's delay.
    const wait = Date.parse(o.retryNotBefore ?? "") - NOW.getTime();
    assert.ok(wait >= 5000 && wait < 7000, `retryNotBefore ${o.retryNotBefore}`);
  } },
  { fixture: "max-turns", errorCode: "max_turns_exhausted", errorFamily: null, clearSession: true, check: (o) => assert.match(o.errorMessage ?? "", /Reached maximum number of turns \(1\)/) },
  { fixture: "resume-unknown-session", errorCode: "claude_session_not_found", errorFamily: null, clearSession: true, check: (o) => {
    assert.match(o.errorMessage ?? "", /No conversation found with session ID: [0-9a-f-]{36}/);
    assert.equal(o.sessionId, null);
    assert.equal(o.sessionParams, null);
  } },
  { fixture: "empty-reply", errorCode: "llm_api_error", errorFamily: "transient_upstream", check: (o) => assert.match(o.errorMessage ?? "", /empty reply/) },
  { fixture: "killed-mid-run", errorCode: "claude_terminated", errorFamily: null, check: (o) => {
    assert.equal(o.signal, "SIGTERM");
    assert.match(o.errorMessage ?? "", /SIGTERM \(exit 143\)/);
    assert.match(o.errorMessage ?? "", /claude-opus-5-5/);
  } },
];

for (const c of fixtureCases) {
  test(`classify fixture ${c.fixture} -> ${c.errorCode ?? "success"}`, () => {
    const { items, meta } = load(c.fixture);
    const o = classifyClaudeRun(items, { termination: terminationOf(meta), env: API_ENV, now: NOW, resumedSessionId: null });
    assert.equal(o.errorCode, c.errorCode, o.errorMessage ?? "");
    assert.equal(o.errorFamily, c.errorFamily ?? null);
    assert.equal(o.clearSession, c.clearSession ?? false);
    assert.equal(o.errorMessage === null, c.errorCode === null);
    assert.equal(o.exitCode, meta.exitCode);
    c.check?.(o);
  });
}

test("every recorded fixture has a classification case", () => {
  const names = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).map((f) => f.replace(/\.jsonl$/, ""));
  assert.deepEqual(names.sort(), fixtureCases.map((c) => c.fixture).sort());
});

const withResult = load("tool-use").items;
const withoutResult = withResult.filter((i) => !(i.kind === "event" && i.event.type === "result"));

const terminations: Array<{ name: string; termination: ContainerTermination | null; errorCode: string; timedOut?: boolean; signal?: string | null }> = [
  { name: "OOMKilled 137", termination: { exitCode: 137, reason: "OOMKilled" }, errorCode: "k8s_oom_killed", signal: "SIGKILL" },
  { name: "SIGTERM 143", termination: { exitCode: 143, reason: "Error" }, errorCode: "claude_terminated", signal: "SIGTERM" },
  { name: "SIGKILL 137 (not OOM)", termination: { exitCode: 137, reason: "Error" }, errorCode: "claude_killed", signal: "SIGKILL" },
  { name: "DeadlineExceeded", termination: { exitCode: 137, reason: "DeadlineExceeded" }, errorCode: "timeout", timedOut: true },
  { name: "Evicted", termination: { exitCode: null, reason: "Evicted", message: "The node was low on resource: memory." }, errorCode: "k8s_pod_evicted", signal: null },
];

for (const t of terminations) {
  for (const [label, items] of [["with result", withResult], ["without result", withoutResult]] as const) {
    test(`classify termination ${t.name} ${label} -> ${t.errorCode}`, () => {
      const o = classifyClaudeRun(items, { termination: t.termination, env: API_ENV, now: NOW });
      assert.equal(o.errorCode, t.errorCode);
      assert.equal(o.timedOut, t.timedOut ?? false);
      if (t.signal !== undefined) assert.equal(o.signal, t.signal);
      assert.equal(o.exitCode, t.termination?.exitCode ?? null);
      if (label === "with result") assert.match(o.errorMessage ?? "", /already reported its result/);
      else assert.match(o.errorMessage ?? "", /Partial run with claude-opus-5-5: 2 assistant messages, 1 tool call \(Bash\), 1 tool result/);
      // The partial-run message is about work, never about the init event.
      assert.doesNotMatch(o.errorMessage ?? "", /init/);
    });
  }
}

const truncations: Array<{ name: string; items: StreamItem[]; termination: ContainerTermination | null; errorCode: string; message: RegExp }> = [
  { name: "output without a result, container exit 0", items: withoutResult, termination: { exitCode: 0, reason: "Completed" }, errorCode: "claude_truncated", message: /without a result event \(exit code 0\)/ },
  { name: "output without a result, no termination known", items: withoutResult, termination: null, errorCode: "claude_truncated", message: /unknown exit code/ },
  { name: "output without a result, exit 1", items: withoutResult, termination: { exitCode: 1, reason: "Error" }, errorCode: "claude_truncated", message: /^(?!.*credential)/s },
  { name: "fast failure quotes the real output", items: parseStreamJson("Error: invalid model 'claude-nope'\nRun claude --help for usage.\n"), termination: { exitCode: 1, reason: "Error" }, errorCode: "claude_start_failed", message: /invalid model 'claude-nope'\nRun claude --help/ },
  { name: "fast failure with no output at all", items: [], termination: { exitCode: 127, reason: "Error" }, errorCode: "claude_start_failed", message: /printed nothing/ },
  { name: "success result but non-zero exit", items: withResult, termination: { exitCode: 2, reason: "Error" }, errorCode: "claude_failed", message: /exited with code 2/ },
];

for (const t of truncations) {
  test(`classify: ${t.name} -> ${t.errorCode}`, () => {
    const o = classifyClaudeRun(t.items, { termination: t.termination, env: API_ENV, now: NOW });
    assert.equal(o.errorCode, t.errorCode);
    assert.match(o.errorMessage ?? "", t.message);
  });
}

const billing: Array<{ env: Record<string, string>; expected: ReturnType<typeof billingFor> }> = [
  { env: { ANTHROPIC_API_KEY: "k" }, expected: { provider: "anthropic", biller: "anthropic", billingType: "api" } },
  { env: {}, expected: { provider: "anthropic", biller: "anthropic", billingType: "subscription" } },
  { env: { ANTHROPIC_API_KEY: "  " }, expected: { provider: "anthropic", biller: "anthropic", billingType: "subscription" } },
  { env: { CLAUDE_CODE_USE_BEDROCK: "1" }, expected: { provider: "bedrock", biller: "aws_bedrock", billingType: "metered_api" } },
  { env: { CLAUDE_CODE_USE_BEDROCK: "true", ANTHROPIC_API_KEY: "k" }, expected: { provider: "bedrock", biller: "aws_bedrock", billingType: "metered_api" } },
  { env: { ANTHROPIC_BEDROCK_BASE_URL: "https://b" }, expected: { provider: "bedrock", biller: "aws_bedrock", billingType: "metered_api" } },
];

for (const b of billing) {
  test(`billing for ${JSON.stringify(b.env)}`, () => assert.deepEqual(billingFor(b.env), b.expected));
}

test("classify: summary is bounded and session params carry extras", () => {
  const long = JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "z".repeat(10_000), session_id: "s-1" });
  const o = classifyClaudeRun(parseStreamJson(long), { summaryMaxChars: 100, sessionParamsExtra: { workspaceId: "w" } });
  assert.equal(o.summary?.length, 100);
  assert.deepEqual(o.sessionParams, { workspaceId: "w", sessionId: "s-1" });
  assert.equal(o.errorCode, null);
});

// Results the CLI writes for failures we did not record (shapes as in the recorded fixtures).
const resultLine = (fields: Record<string, unknown>): string =>
  JSON.stringify({ type: "result", subtype: "success", is_error: true, session_id: "s-1", total_cost_usd: 0, usage: { input_tokens: 0, output_tokens: 0 }, ...fields });

const syntheticResults: Array<{ name: string; fields: Record<string, unknown>; errorCode: string | null; errorFamily?: string; retryInMs?: number }> = [
  { name: "500 internal error", fields: { api_error_status: 500, result: "API Error: 500 Internal server error" }, errorCode: "claude_transient_upstream", errorFamily: "transient_upstream" },
  { name: "403 permission_error", fields: { api_error_status: 403, api_error_type: "permission_error", result: "API Error: 403 forbidden" }, errorCode: "claude_auth_failed" },
  { name: "404 unknown model", fields: { api_error_status: 404, api_error_type: "not_found_error", result: 'API Error: 404 {"type":"not_found_error","message":"model: claude-nope"}' }, errorCode: "model_not_found" },
  { name: "usage limit with a retry time", fields: { result: "Claude usage limit reached, retry after 120 s" }, errorCode: "provider_quota", errorFamily: "provider_quota", retryInMs: 120_000 },
  { name: "other execution error", fields: { subtype: "error_during_execution", errors: ["Tool crashed"] }, errorCode: "claude_failed" },
  { name: "clean success", fields: { is_error: false, result: "done", stop_reason: "end_turn" }, errorCode: null },
];

for (const c of syntheticResults) {
  test(`classify synthetic result: ${c.name} -> ${c.errorCode ?? "success"}`, () => {
    const o = classifyClaudeRun(parseStreamJson(resultLine(c.fields)), { env: API_ENV, now: NOW });
    assert.equal(o.errorCode, c.errorCode, o.errorMessage ?? "");
    assert.equal(o.errorFamily, c.errorFamily ?? null);
    assert.equal(o.retryNotBefore, c.retryInMs === undefined ? null : new Date(NOW.getTime() + c.retryInMs).toISOString());
  });
}

test("classify: an empty reply without the CLI's diagnostic is still llm_api_error (billed input, no output)", () => {
  const line = resultLine({ subtype: "error_during_execution", stop_reason: null, num_turns: 1, usage: { input_tokens: 200, output_tokens: 0 } });
  assert.equal(classifyClaudeRun(parseStreamJson(line), { now: NOW }).errorCode, "llm_api_error");
});
