// Runs the REAL Claude Code CLI against anthropic-sim, the way the adapter runs it in a pod:
// `--print - --output-format stream-json --verbose`, prompt on stdin. Used by the fixture
// recorder and by the live test. As root the CLI refuses --dangerously-skip-permissions, so it
// runs as uid 1000 (setpriv) with a scratch HOME owned by that user.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAnthropicSim } from "anthropic-sim";
import type { RecordedRequest, Reply, ScriptFunction } from "anthropic-sim";

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLAUDE_BIN = path.resolve(here, "../../../node_modules/.bin/claude");
const RUN_AS_UID = 1000;

export interface ClaudeRunSpec {
  prompt: string;
  script: Reply[] | ScriptFunction;
  whenExhausted?: Reply;
  /** Extra CLI arguments, e.g. ["--max-turns", "1"]. */
  extraArgs?: string[];
  /** Extra environment, e.g. { CLAUDE_CODE_MAX_RETRIES: "0" }. */
  env?: Record<string, string>;
  /** Send SIGTERM to the CLI when a stdout line matches (to record a killed run). */
  killWhen?: (line: string) => boolean;
  timeoutMs?: number;
}

export interface ClaudeRunRecord {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  args: string[];
  env: Record<string, string>;
  requests: RecordedRequest[];
}

function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "claude-k8s-cli-"));
  if (process.getuid?.() === 0) fs.chownSync(dir, RUN_AS_UID, RUN_AS_UID);
  return dir;
}

function commandLine(args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [CLAUDE_BIN, args];
  return ["setpriv", [`--reuid=${RUN_AS_UID}`, `--regid=${RUN_AS_UID}`, "--clear-groups", CLAUDE_BIN, ...args]];
}

/** Tools the CLI started (e.g. a Bash `sleep`) must not outlive the recording. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is already gone
  }
}

/** Run the CLI once against a fresh anthropic-sim; everything started here is stopped here. */
export async function runClaudeAgainstSim(spec: ClaudeRunSpec): Promise<ClaudeRunRecord> {
  const sim = await startAnthropicSim({ script: spec.script, whenExhausted: spec.whenExhausted });
  const home = scratchDir();
  const args = ["--print", "-", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions", ...(spec.extraArgs ?? [])];
  const env: Record<string, string> = {
    HOME: home,
    ANTHROPIC_BASE_URL: sim.url,
    ANTHROPIC_API_KEY: "sk-test",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    ...spec.env,
  };
  const started = Date.now();
  try {
    const [cmd, argv] = commandLine(args);
    const child = spawn(cmd, argv, { cwd: home, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, detached: true });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      stdout += d;
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      if (spec.killWhen && lines.some(spec.killWhen)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (d: string) => (stderr += d));
    child.stdin.end(spec.prompt);
    const timer = setTimeout(() => killGroup(child.pid), spec.timeoutMs ?? 60_000);
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on("close", (code, sig) => resolve([code, sig])),
    );
    clearTimeout(timer);
    killGroup(child.pid);
    return { stdout, stderr, exitCode, signal, durationMs: Date.now() - started, args, env, requests: [...sim.requests] };
  } finally {
    await sim.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
