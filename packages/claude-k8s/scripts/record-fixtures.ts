// Records real Claude Code CLI transcripts against anthropic-sim as test fixtures.
//   node_modules/.bin/node --conditions=source packages/claude-k8s/scripts/record-fixtures.ts [scenario...]
// Writes test/fixtures/claude/<scenario>.jsonl (stdout, untouched) and <scenario>.meta.json.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bash, say } from "anthropic-sim";
import { CLAUDE_BIN, runClaudeAgainstSim } from "./run-claude.ts";
import type { ClaudeRunSpec } from "./run-claude.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, "../test/fixtures/claude");
// One retry keeps error scenarios fast; the CLI otherwise retries for minutes.
const FEW_RETRIES = { CLAUDE_CODE_MAX_RETRIES: "1" };

interface Scenario extends ClaudeRunSpec {
  description: string;
}

const scenarios: Record<string, () => Scenario> = {
  "plain-answer": () => ({
    description: "The model answers with text only.",
    prompt: "Say hello.",
    script: [say("Hello from the scripted model.")],
  }),
  "tool-use": () => ({
    description: "Text plus a Bash tool call in one message (two assistant events sharing one message id), the CLI runs it, then a final answer.",
    prompt: "Run echo.",
    script: [bash("echo hello-from-bash", "Let me run it."), say("The command printed hello-from-bash.")],
  }),
  "multi-turn": () => ({
    description: "Three tool turns (one printing multi-byte UTF-8) then an answer.",
    prompt: "Run three commands.",
    script: [bash("echo one"), bash("echo two"), bash("printf 'caf\\xc3\\xa9 \\xe6\\x97\\xa5\\xe6\\x9c\\xac \\xf0\\x9f\\x9a\\x80\\n'"), say("Three commands done: café 日本 🚀.")],
  }),
  thinking: () => ({
    description: "A thinking block followed by text.",
    prompt: "Think, then answer.",
    script: [{ kind: "message", content: [{ type: "thinking", thinking: "The user wants a short answer." }, { type: "text", text: "Short answer." }] }],
  }),
  "api-overloaded": () => ({
    description: "The API answers 529 overloaded_error to every request.",
    prompt: "Say hello.",
    script: [],
    whenExhausted: { kind: "error", status: 529, errorType: "overloaded_error", message: "Overloaded" },
    env: FEW_RETRIES,
  }),
  "api-auth-401": () => ({
    description: "The API answers 401 authentication_error (invalid x-api-key).",
    prompt: "Say hello.",
    script: [],
    whenExhausted: { kind: "error", status: 401, errorType: "authentication_error", message: "invalid x-api-key" },
    env: FEW_RETRIES,
  }),
  "api-rate-limit": () => ({
    description: "The API answers 429 rate_limit_error with retry-after: 5.",
    prompt: "Say hello.",
    script: [],
    whenExhausted: { kind: "error", status: 429, errorType: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit", retryAfterSec: 5 },
    env: FEW_RETRIES,
  }),
  "cut-mid-stream": () => ({
    description: "Every streamed reply is cut (socket destroyed) after 4 SSE events.",
    prompt: "Say hello.",
    script: [],
    whenExhausted: { kind: "cut", content: [{ type: "text", text: "This answer will never finish because the connection drops." }], afterEvents: 4 },
    env: FEW_RETRIES,
  }),
  "max-turns": () => ({
    description: "--max-turns 1 with a model that keeps using tools.",
    prompt: "Keep running commands.",
    script: [],
    whenExhausted: bash("echo again"),
    extraArgs: ["--max-turns", "1"],
  }),
  "resume-unknown-session": () => ({
    description: "--resume with a session id that does not exist under $HOME/.claude.",
    prompt: "Continue.",
    script: [say("unreachable")],
    extraArgs: ["--resume", randomUUID()],
  }),
  "empty-reply": () => ({
    description: "The model's reply has stop_reason null and no content and no output tokens.",
    prompt: "Say hello.",
    script: [],
    whenExhausted: { kind: "empty" },
    env: FEW_RETRIES,
  }),
  "killed-mid-run": () => ({
    description: "The CLI gets SIGTERM while the model is still streaming its second content block (output without a result event).",
    prompt: "Work slowly.",
    script: [{
      kind: "message",
      pauseMs: 400,
      content: [{ type: "text", text: "Working on it." }, { type: "tool_use", name: "Bash", input: { command: "echo never-runs" } }],
    }],
    killWhen: (line) => line.includes("Working on it."),
  }),
};

function cliVersion(): string {
  return execFileSync(CLAUDE_BIN, ["--version"], { encoding: "utf8" }).trim();
}

async function record(name: string, version: string): Promise<void> {
  const make = scenarios[name];
  if (!make) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(scenarios).join(", ")}`);
  const { description, ...spec } = make();
  const run = await runClaudeAgainstSim(spec);
  fs.writeFileSync(path.join(outDir, `${name}.jsonl`), run.stdout);
  const meta = {
    scenario: name,
    description,
    cliVersion: version,
    recordedAt: new Date().toISOString(),
    args: run.args,
    env: Object.fromEntries(Object.entries(run.env).filter(([k]) => k !== "HOME" && k !== "ANTHROPIC_BASE_URL")),
    exitCode: run.exitCode,
    signal: run.signal,
    durationMs: run.durationMs,
    stderr: run.stderr,
    apiRequests: run.requests.map((r) => `${r.method} ${r.url}`),
  };
  fs.writeFileSync(path.join(outDir, `${name}.meta.json`), JSON.stringify(meta, null, 2) + "\n");
  console.log(`${name}: exit ${run.exitCode} signal ${run.signal}, ${run.stdout.split("\n").filter(Boolean).length} lines, ${run.requests.length} requests, ${run.durationMs} ms`);
}

const wanted = process.argv.slice(2);
fs.mkdirSync(outDir, { recursive: true });
const version = cliVersion();
for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) await record(name, version);
