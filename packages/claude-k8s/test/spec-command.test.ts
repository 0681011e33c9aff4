import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClaudeArgs, containerArgv, containerCommand, shellQuote, type ClaudeArgsInput } from "../src/spec/command.ts";
import { expandKubeRefs, kubeLiteral } from "../src/spec/kube-text.ts";

const BASE: ClaudeArgsInput = {
  resumeSessionId: null, model: null, effort: null, maxTurns: null, instructionsFilePath: null,
  addDir: null, dangerouslySkipPermissions: true, extraArgs: [],
};
const HEAD = ["--print", "-", "--output-format", "stream-json", "--verbose"];
const SID = "0b6f1c8e-1111-4222-8333-444455556666";

const ARG_CASES: [string, Partial<ClaudeArgsInput>, string[]][] = [
  ["fresh, defaults", {}, [...HEAD, "--dangerously-skip-permissions"]],
  ["permissions not skipped", { dangerouslySkipPermissions: false }, HEAD],
  ["resume", { resumeSessionId: SID }, [...HEAD, "--resume", SID, "--dangerously-skip-permissions"]],
  ["model, effort, max turns", { model: "claude-sonnet-4-5", effort: "high", maxTurns: 12 },
    [...HEAD, "--dangerously-skip-permissions", "--model", "claude-sonnet-4-5", "--effort", "high", "--max-turns", "12"]],
  ["max turns 0 omitted", { maxTurns: 0 }, [...HEAD, "--dangerously-skip-permissions"]],
  ["instructions on a fresh session", { instructionsFilePath: "/var/run/paperclip/instructions.md" },
    [...HEAD, "--dangerously-skip-permissions", "--append-system-prompt-file", "/var/run/paperclip/instructions.md"]],
  ["instructions dropped on resume", { resumeSessionId: SID, instructionsFilePath: "/i.md" },
    [...HEAD, "--resume", SID, "--dangerously-skip-permissions"]],
  ["add-dir then extraArgs last", { addDir: "/ws/.bundle", extraArgs: ["--foo", "bar baz"] },
    [...HEAD, "--dangerously-skip-permissions", "--add-dir", "/ws/.bundle", "--foo", "bar baz"]],
  ["hostile extraArgs passed as they are", { extraArgs: ["$(id)", "`id`", "a'b", "x\ny", ""] },
    [...HEAD, "--dangerously-skip-permissions", "$(id)", "`id`", "a'b", "x\ny", ""]],
];
for (const [label, overrides, expected] of ARG_CASES) {
  test(`buildClaudeArgs: ${label}`, () => assert.deepEqual(buildClaudeArgs({ ...BASE, ...overrides }), expected));
}

/** Seeded random strings rich in what breaks shells and the kubelet's $(VAR) expansion. */
function fuzzStrings(count: number, seed: number): string[] {
  const atoms = ["'", '"', "\\", "$", "$(", ")", "$(HOME)", "$$", "`", "`id`", "\n", "\r", "\t", " ", "*", "?", "~",
    "!", ";", "&", "|", ">", "<", "#", "-", "--", "{", "}", "%s", "é", "🤖", "\u200b", "a", "Z", "0", "${x}", "$@", "\\n"];
  let state = seed >>> 0;
  const next = (): number => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 4294967296; };
  const out = ["", "-", "-n", "'", "''", "$(rm -rf /)", "\n", "\\"];
  while (out.length < count) {
    let s = "";
    const n = Math.floor(next() * 12);
    for (let i = 0; i < n; i += 1) s += atoms[Math.floor(next() * atoms.length)];
    out.push(s);
  }
  return out;
}

test("shellQuote: 300 hostile strings round-trip byte-identical through /bin/sh", () => {
  for (const value of fuzzStrings(300, 7)) {
    const result = spawnSync("/bin/sh", ["-c", `printf %s ${shellQuote(value)}`], { timeout: 5000 });
    assert.equal(result.status, 0, `sh failed for ${JSON.stringify(value)}: ${result.stderr}`);
    assert.deepEqual(result.stdout, Buffer.from(value, "utf8"), JSON.stringify(value));
  }
});

test("kubeLiteral: the kubelet's expansion gives every hostile string back unchanged", () => {
  const vars = new Map([["HOME", "/home/x"], ["x", "X"], ["", "EMPTY"]]);
  for (const value of fuzzStrings(2000, 11)) {
    assert.equal(expandKubeRefs(kubeLiteral(value), vars), value, JSON.stringify(value));
  }
});

const EXPANSION_CASES: [string, string, string][] = [
  ["defined var", "a$(HOME)b", "a/hb"],
  ["undefined var left as written", "$(NOPE)", "$(NOPE)"],
  ["escaped", "$$(HOME)", "$(HOME)"],
  ["lone dollar", "a$b$", "a$b$"],
  ["unclosed", "$(HOME", "$(HOME"],
];
for (const [label, input, expected] of EXPANSION_CASES) {
  test(`expandKubeRefs: ${label}`, () => assert.equal(expandKubeRefs(input, new Map([["HOME", "/h"]])), expected));
}

interface FakeRun { status: number | null; signal: string | null; argv: string[]; stdin: Buffer; pid: number; claudePid: string; homeExists: boolean }

/** Run the container command as the kubelet would: expand $(VAR) with the pod's env, exec
 * argv[0] with the rest, with a fake `claude` on PATH that records argv, stdin and its pid. */
function runContainer(promptBytes: Buffer, args: string[], exitCode: number): FakeRun {
  const dir = mkdtempSync(join(tmpdir(), "spec-cmd-"));
  try {
    const bin = join(dir, "bin");
    spawnSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "claude"), [
      "#!/bin/sh",
      'for a in "$@"; do printf "%s\\0" "$a"; done > "$OUT/argv"',
      'cat > "$OUT/stdin"',
      'printf %s "$$" > "$OUT/pid"',
      `exit ${exitCode}`,
    ].join("\n"));
    chmodSync(join(bin, "claude"), 0o755);
    const promptFile = join(dir, "prompt");
    writeFileSync(promptFile, promptBytes);
    const home = join(dir, "home", ".paperclip-claude", "agent-x");
    const env = { PATH: `${bin}:/usr/bin:/bin`, OUT: dir, HOME: home };
    const expanded = containerCommand(promptFile, args).map((part) => expandKubeRefs(part, new Map(Object.entries(env))));
    const [file, ...rest] = expanded;
    assert.ok(file);
    const result = spawnSync(file, rest, { env, timeout: 10_000 });
    const raw = readFileSync(join(dir, "argv"));
    const argv = raw.length === 0 ? [] : raw.subarray(0, raw.length - 1).toString("utf8").split("\0");
    let homeExists = false;
    try { homeExists = statSync(home).isDirectory(); } catch { homeExists = false; }
    return {
      status: result.status, signal: result.signal, argv, stdin: readFileSync(join(dir, "stdin")),
      pid: result.pid ?? -1, claudePid: readFileSync(join(dir, "pid"), "utf8"), homeExists,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("container command: hostile argv and stdin arrive exactly; claude's exit code is the container's", () => {
  const hostile = fuzzStrings(60, 3).filter((s) => !s.includes("\0"));
  const args = buildClaudeArgs({ ...BASE, model: "m$(id)", extraArgs: hostile });
  const prompt = Buffer.from("prompt with $(whoami) `id` 'q' \"d\" \\ \n\0 nul and é🤖\n", "utf8");
  const run = runContainer(prompt, args, 7);
  assert.equal(run.status, 7, "exit code of the fake claude");
  assert.deepEqual(run.argv, args);
  assert.deepEqual(run.stdin, prompt);
  assert.equal(run.claudePid, String(run.pid), "exec: claude replaces the shell (no wrapper process, no pipe)");
  assert.equal(run.homeExists, true, "HOME on the shared volume is created first");
});

test("container command: exit code 0 stays 0", () => {
  assert.equal(runContainer(Buffer.from("hi"), ["--print", "-"], 0).status, 0);
});

test("container command: the only shell text is a constant; values are positional", () => {
  const argv = containerArgv("/var/run/paperclip/prompt", ["--model", "$(id)"]);
  assert.deepEqual(argv.slice(0, 2), ["sh", "-c"]);
  assert.equal(argv[2]?.includes("$(id)"), false);
  assert.deepEqual(argv.slice(3), ["claude-k8s", "/var/run/paperclip/prompt", "--model", "$(id)"]);
  assert.doesNotMatch(argv[2] ?? "", /(^|[^|])\|([^|]|$)/, "no pipe to hide the exit code");
  assert.deepEqual(containerCommand("/p", ["$(id)"]).at(-1), "$$(id)", "escaped for the kubelet");
});
