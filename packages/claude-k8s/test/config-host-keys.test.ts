// The keys the Paperclip server and its UI write into adapterConfig: each one still appears in the
// installed host file cited for it, is accepted without a warning, and the ones that mean
// something in a pod (cwd, thinkingEffort, command) are honoured as config/host-keys.ts says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../src/config/parse.ts";
import { HOST_KEYS } from "../src/config/host-keys.ts";

const ROOT = fileURLToPath(new URL("../../../node_modules/", import.meta.url));

function hostFileText(pkg: string, file: string): string {
  const full = path.join(ROOT, pkg, file);
  if (!file.endsWith("*")) return readFileSync(full, "utf8");
  const dir = path.dirname(full);
  const prefix = path.basename(full).slice(0, -1);
  const matches = readdirSync(dir).filter((name) => name.startsWith(prefix) && name.endsWith(".js"));
  assert.ok(matches.length > 0, `no ${file} in ${pkg}`);
  return matches.map((name) => readFileSync(path.join(dir, name), "utf8")).join("\n");
}

for (const { key, source } of HOST_KEYS) {
  test(`host key ${key}: written by ${source.package}/${source.file}`, () => {
    assert.ok(hostFileText(source.package, source.file).includes(key), `${key} not found in ${source.package}/${source.file}`);
  });
}

/** A realistic value for each key, as the host writes it. */
const SAMPLES: Record<string, unknown> = {
  workspaceStrategy: { type: "git_worktree", provisionCommand: "npm ci" },
  workspaceRuntime: { services: [] },
  paperclipSkillSync: { desiredSkills: ["paperclip"] },
  paperclipRuntimeSkills: [{ key: "paperclip", runtimeName: "paperclip", source: "/srv/skills/paperclip" }],
  paperclipConnectorSkillDigest: "9f2c",
  managedAiConnection: { provider: "anthropic", identity: "g1:u1:3" },
  instructionsBundleMode: "managed",
  instructionsRootPath: "/paperclip/instructions/agent-1",
  instructionsEntryFile: "AGENTS.md",
  envBindings: { MODE: { type: "plain", value: "fast" } },
  envVars: "MODE=fast",
  cwd: "/paperclip/projects/app",
  thinkingEffort: "high",
  command: "claude",
};

test("every host key has a sample here (a new key needs one)", () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), HOST_KEYS.map((entry) => entry.key).sort());
});

test("all host keys together parse with no error and no warning", () => {
  const parsed = parseConfig(SAMPLES);
  assert.deepEqual(parsed.errors, []);
  assert.deepEqual(parsed.warnings, []);
});

const CWD_CASES: [unknown, string | null, string | null][] = [
  ["/paperclip/projects/app/", "/paperclip/projects/app", null],
  ["  ", null, null],
  ["projects/app", null, "cwd"],
  ["/paperclip/../etc", null, "cwd"],
  [42, null, "cwd"],
];
for (const [raw, cwd, errorOn] of CWD_CASES) {
  test(`cwd ${JSON.stringify(raw)} -> ${cwd ?? (errorOn ? "error" : "unset")}`, () => {
    const parsed = parseConfig({ cwd: raw });
    assert.equal(parsed.config.cwd, cwd);
    assert.deepEqual(parsed.errors.map((issue) => issue.field), errorOn ? [errorOn] : []);
    for (const issue of parsed.errors) assert.match(issue.message, /^cwd: /);
  });
}

const EFFORT_CASES: [Record<string, unknown>, string | null, string[], string[]][] = [
  [{ thinkingEffort: "high" }, "high", [], []],
  [{ thinkingEffort: "MAX" }, "max", [], []],
  [{ thinkingEffort: "" }, null, [], []],
  [{ thinkingEffort: "minimal" }, null, ["thinkingEffort"], []],
  [{ effort: "low", thinkingEffort: "low" }, "low", [], []],
  [{ effort: "low", thinkingEffort: "high" }, "low", [], ["thinkingEffort"]],
];
for (const [raw, effort, errors, warnings] of EFFORT_CASES) {
  test(`thinkingEffort ${JSON.stringify(raw)} -> effort ${effort}`, () => {
    const parsed = parseConfig(raw);
    assert.equal(parsed.config.effort, effort);
    assert.deepEqual(parsed.errors.map((issue) => issue.field), errors);
    assert.deepEqual(parsed.warnings.map((issue) => issue.field), warnings);
  });
}

const COMMAND_CASES: [unknown, boolean][] = [
  ["claude", false], ["/usr/local/bin/claude", false], ["", false], ["/opt/bin/claude-wrapper.sh", true], ["codex", true],
];
for (const [raw, warned] of COMMAND_CASES) {
  test(`command ${JSON.stringify(raw)} ${warned ? "warns that it is not run" : "is silent"}`, () => {
    const parsed = parseConfig({ command: raw });
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.warnings.map((issue) => issue.field), warned ? ["command"] : []);
    if (warned) assert.match(parsed.warnings[0]?.message ?? "", /^command: .* is ignored: claude_k8s runs the claude CLI of the pod's image/);
  });
}
