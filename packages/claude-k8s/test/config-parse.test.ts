import { test } from "node:test";
import assert from "node:assert/strict";
import { CONFIG_FIELDS } from "../src/config/fields.ts";
import { defaultConfig, parseConfig } from "../src/config/parse.ts";
import type { ClaudeK8sConfig, ParsedConfig } from "../src/config/types.ts";

function assertClean(parsed: ParsedConfig, label: string): void {
  assert.deepEqual(parsed.errors, [], `${label}: unexpected errors`);
  assert.deepEqual(parsed.warnings, [], `${label}: unexpected warnings`);
}

/** The error for `field` exists, and its message starts with the field's name. */
function assertErrorOn(parsed: ParsedConfig, field: string, label: string): void {
  const issue = parsed.errors.find((candidate) => candidate.field === field);
  assert.ok(issue, `${label}: expected an error on ${field}, got ${JSON.stringify(parsed.errors)}`);
  assert.ok(issue.message.startsWith(`${field}: `), `${label}: message must name the field: ${issue.message}`);
}

test("defaults: an empty config parses to the documented defaults", () => {
  for (const raw of [undefined, null, {}]) {
    const parsed = parseConfig(raw);
    assertClean(parsed, String(raw));
    assert.deepEqual(parsed.config, defaultConfig());
  }
  const config = defaultConfig();
  assert.deepEqual(config.resources, { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } });
  assert.equal(config.ttlSecondsAfterFinished, 300);
  assert.equal(config.retainJobs, false);
  assert.equal(config.dangerouslySkipPermissions, true, "claude_local's default");
  assert.equal(config.reattachOrphanedJobs, true);
  assert.equal(config.imagePullPolicy, "IfNotPresent");
  assert.equal(config.graceSec, 20);
  assert.equal(config.timeoutSec, 0);
  assert.equal(config.model, null);
});

test("defaults: blank strings mean 'not set' for every field", () => {
  const raw = Object.fromEntries(CONFIG_FIELDS.map((field) => [field.key, "  "]));
  const parsed = parseConfig(raw);
  assertClean(parsed, "blank");
  assert.deepEqual(parsed.config, defaultConfig());
});

test("a config that is not an object is refused", () => {
  for (const raw of ["model=x", 42, ["a"]]) {
    assertErrorOn(parseConfig(raw), "adapterConfig", JSON.stringify(raw));
  }
});

interface ValidCase {
  raw: Record<string, unknown>;
  expect: Partial<ClaudeK8sConfig>;
}

const validCases: ValidCase[] = [
  { raw: { model: " claude-sonnet-4-5 " }, expect: { model: "claude-sonnet-4-5" } },
  { raw: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, expect: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } },
  { raw: { model: "arn:aws:bedrock:us-east-1:123:inference-profile/x" }, expect: { model: "arn:aws:bedrock:us-east-1:123:inference-profile/x" } },
  { raw: { effort: "high" }, expect: { effort: "high" } },
  { raw: { effort: "XHigh" }, expect: { effort: "xhigh" } },
  { raw: { effort: "max" }, expect: { effort: "max" } },
  { raw: { maxTurnsPerRun: 5 }, expect: { maxTurnsPerRun: 5 } },
  { raw: { maxTurnsPerRun: "12" }, expect: { maxTurnsPerRun: 12 } },
  { raw: { maxTurnsPerRun: 0 }, expect: { maxTurnsPerRun: null } },
  { raw: { instructionsFilePath: "/srv/agents/a/AGENTS.md" }, expect: { instructionsFilePath: "/srv/agents/a/AGENTS.md" } },
  { raw: { promptTemplate: "  Hi {{agent.name}}\n" }, expect: { promptTemplate: "  Hi {{agent.name}}\n" } },
  { raw: { bootstrapPromptTemplate: "Start {{runId}}\r\n" }, expect: { bootstrapPromptTemplate: "Start {{runId}}\r\n" } },
  { raw: { extraArgs: ["--allowedTools", "Bash(git:*)"] }, expect: { extraArgs: ["--allowedTools", "Bash(git:*)"] } },
  { raw: { extraArgs: "--debug  --add-dir /x\n--verbose" }, expect: { extraArgs: ["--debug", "--add-dir", "/x", "--verbose"] } },
  { raw: { extraArgs: ["it's $(fine)", "a\"b"] }, expect: { extraArgs: ["it's $(fine)", "a\"b"] } },
  { raw: { env: { FOO: "bar", N: 3, B: true } }, expect: { env: { FOO: "bar", N: "3", B: "true" } } },
  { raw: { env: { FOO: { type: "plain", value: "x y" } } }, expect: { env: { FOO: "x y" } } },
  { raw: { env: "FOO=bar\n# comment\n\nBAZ=a=b" }, expect: { env: { FOO: "bar", BAZ: "a=b" } } },
  { raw: { env: '{"FOO":"$(not run)"}' }, expect: { env: { FOO: "$(not run)" } } },
  { raw: { env: { MULTI: "line1\nline2" } }, expect: { env: { MULTI: "line1\nline2" } } },
  { raw: { env: { PAPERCLIP_CUSTOM: "ok" } }, expect: { env: { PAPERCLIP_CUSTOM: "ok" } } },
  { raw: { timeoutSec: "3600" }, expect: { timeoutSec: 3600 } },
  { raw: { timeoutSec: 0 }, expect: { timeoutSec: 0 } },
  { raw: { graceSec: 5 }, expect: { graceSec: 5 } },
  { raw: { graceSec: "0" }, expect: { graceSec: 0 } },
  { raw: { namespace: "agents" }, expect: { namespace: "agents" } },
  { raw: { image: "ghcr.io/acme/claude:1.2@sha256:abc" }, expect: { image: "ghcr.io/acme/claude:1.2@sha256:abc" } },
  { raw: { imagePullPolicy: "Always" }, expect: { imagePullPolicy: "Always" } },
  { raw: { imagePullPolicy: "never" }, expect: { imagePullPolicy: "Never" } },
  { raw: { kubeconfig: "~/.kube/other config" }, expect: { kubeconfig: "~/.kube/other config" } },
  { raw: { serviceAccountName: "claude-agents" }, expect: { serviceAccountName: "claude-agents" } },
  { raw: { ttlSecondsAfterFinished: "60" }, expect: { ttlSecondsAfterFinished: 60 } },
  { raw: { retainJobs: "true" }, expect: { retainJobs: true } },
  { raw: { dangerouslySkipPermissions: "false" }, expect: { dangerouslySkipPermissions: false } },
  { raw: { dangerouslySkipPermissions: false }, expect: { dangerouslySkipPermissions: false } },
  { raw: { retainJobs: true }, expect: { retainJobs: true } },
  { raw: { reattachOrphanedJobs: "false" }, expect: { reattachOrphanedJobs: false } },
  { raw: { reattachOrphanedJobs: 0 }, expect: { reattachOrphanedJobs: false } },
  { raw: { workspaceVolumeClaim: "paperclip-data" }, expect: { workspaceVolumeClaim: "paperclip-data" } },
  { raw: { workspaceMountPath: "/paperclip/" }, expect: { workspaceMountPath: "/paperclip" } },
  { raw: { workspaceMountPath: "/srv/paper.clip" }, expect: { workspaceMountPath: "/srv/paper.clip" } },
];

for (const { raw, expect } of validCases) {
  test(`valid: ${JSON.stringify(raw)}`, () => {
    const parsed = parseConfig(raw);
    assertClean(parsed, JSON.stringify(raw));
    assert.deepEqual(parsed.config, { ...defaultConfig(), ...expect });
  });
}

interface InvalidCase {
  raw: Record<string, unknown>;
  field: string;
}

const invalidCases: InvalidCase[] = [
  { raw: { model: "claude sonnet" }, field: "model" },
  { raw: { model: "x$(rm -rf /)" }, field: "model" },
  { raw: { model: "claude\n--dangerously" }, field: "model" },
  { raw: { model: 4 }, field: "model" },
  { raw: { effort: "extreme" }, field: "effort" },
  { raw: { effort: true }, field: "effort" },
  { raw: { maxTurnsPerRun: -1 }, field: "maxTurnsPerRun" },
  { raw: { maxTurnsPerRun: "2.5" }, field: "maxTurnsPerRun" },
  { raw: { maxTurnsPerRun: "ten" }, field: "maxTurnsPerRun" },
  { raw: { instructionsFilePath: "AGENTS.md" }, field: "instructionsFilePath" },
  { raw: { instructionsFilePath: "/srv/../etc/passwd" }, field: "instructionsFilePath" },
  { raw: { promptTemplate: "bad\u0000nul" }, field: "promptTemplate" },
  { raw: { promptTemplate: { text: "x" } }, field: "promptTemplate" },
  { raw: { extraArgs: 7 }, field: "extraArgs" },
  { raw: { extraArgs: ["ok", 3] }, field: "extraArgs" },
  { raw: { extraArgs: ["--output-format", "json"] }, field: "extraArgs[0]" },
  { raw: { extraArgs: "--resume abc" }, field: "extraArgs[0]" },
  { raw: { extraArgs: ["--x", "--print"] }, field: "extraArgs[1]" },
  { raw: { extraArgs: ["--output-format=json"] }, field: "extraArgs[0]" },
  { raw: { extraArgs: ["bell\u0007"] }, field: "extraArgs[0]" },
  { raw: { env: { PAPERCLIP_API_KEY: "stolen" } }, field: "env.PAPERCLIP_API_KEY" },
  { raw: { env: "PAPERCLIP_API_KEY=x" }, field: "env.PAPERCLIP_API_KEY" },
  { raw: { env: { "BAD-NAME": "x" } }, field: "env" },
  { raw: { env: { "1ST": "x" } }, field: "env" },
  { raw: { env: { "A;rm": "x" } }, field: "env" },
  { raw: { env: "no equals sign" }, field: "env" },
  { raw: { env: ["A=1"] }, field: "env" },
  { raw: { env: { X: { type: "secret_ref", secretId: "s" } } }, field: "env.X" },
  { raw: { env: { X: ["a"] } }, field: "env.X" },
  { raw: { env: { X: "a\u0000b" } }, field: "env.X" },
  { raw: { timeoutSec: "abc" }, field: "timeoutSec" },
  { raw: { timeoutSec: -5 }, field: "timeoutSec" },
  { raw: { timeoutSec: 1.5 }, field: "timeoutSec" },
  { raw: { graceSec: "soon" }, field: "graceSec" },
  { raw: { namespace: "Agents" }, field: "namespace" },
  { raw: { namespace: "a".repeat(64) }, field: "namespace" },
  { raw: { namespace: "team.agents" }, field: "namespace" },
  { raw: { namespace: "ns\"; kubectl delete" }, field: "namespace" },
  { raw: { image: "repo/image:tag with space" }, field: "image" },
  { raw: { image: "img'$(id)'" }, field: "image" },
  { raw: { imagePullPolicy: "Sometimes" }, field: "imagePullPolicy" },
  { raw: { kubeconfig: "/a\nb" }, field: "kubeconfig" },
  { raw: { serviceAccountName: "Claude_Agents" }, field: "serviceAccountName" },
  { raw: { ttlSecondsAfterFinished: "-1" }, field: "ttlSecondsAfterFinished" },
  { raw: { retainJobs: "maybe" }, field: "retainJobs" },
  { raw: { dangerouslySkipPermissions: "sometimes" }, field: "dangerouslySkipPermissions" },
  { raw: { reattachOrphanedJobs: "yes please" }, field: "reattachOrphanedJobs" },
  { raw: { workspaceVolumeClaim: "Data_Claim" }, field: "workspaceVolumeClaim" },
  { raw: { workspaceVolumeClaim: "-data" }, field: "workspaceVolumeClaim" },
  { raw: { workspaceMountPath: "relative/path" }, field: "workspaceMountPath" },
  { raw: { workspaceMountPath: "/data/../etc" }, field: "workspaceMountPath" },
  { raw: { workspaceMountPath: "/" }, field: "workspaceMountPath" },
  { raw: { workspaceMountPath: "/data\n/etc" }, field: "workspaceMountPath" },
];

for (const { raw, field } of invalidCases) {
  test(`invalid: ${JSON.stringify(raw)} -> error on ${field}`, () => {
    const parsed = parseConfig(raw);
    assertErrorOn(parsed, field, JSON.stringify(raw));
    const key = Object.keys(raw)[0] as keyof ClaudeK8sConfig;
    // The bad value never leaks into the parsed config: the field keeps a safe value.
    const value = parsed.config[key];
    assert.ok(JSON.stringify(value) !== JSON.stringify(raw[key]) || value === null, `${key} kept the bad value`);
  });
}

test("the timeoutSec error reads as the brief asks", () => {
  const [issue] = parseConfig({ timeoutSec: "abc" }).errors;
  assert.equal(issue?.message, 'timeoutSec: must be a non-negative whole number of seconds (0 = no deadline) (got "abc")');
});

test("a forbidden-key predicate passed in is honoured", () => {
  const parsed = parseConfig({ env: { SECRET_THING: "x", OK: "y" } }, { isForbiddenEnvKey: (key) => key === "SECRET_THING" });
  assertErrorOn(parsed, "env.SECRET_THING", "custom predicate");
  assert.deepEqual(parsed.config.env, { OK: "y" });
});

const unknownKeyCases = [
  { raw: { modle: "x" }, warned: ["modle"] },
  { raw: { cwd: "/tmp", command: "claude", colour: "blue" }, warned: ["colour"] },
  { raw: { paperclipRuntimeSkills: [], paperclipSkillSync: {}, paperclipConnectorSkillDigest: "d", instructionsBundleMode: "managed" }, warned: [] },
];

for (const { raw, warned } of unknownKeyCases) {
  test(`unknown keys warn, host-injected keys are silent: ${Object.keys(raw).join(",")}`, () => {
    const parsed = parseConfig(raw);
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.warnings.map((issue) => issue.field), warned);
    for (const issue of parsed.warnings) assert.ok(issue.message.startsWith(`${issue.field}: `));
  });
}

const suggestionCases: Array<[string, string | null]> = [
  ["modle", "model"], ["timeoutsec", "timeoutSec"], ["nodeselector", "nodeSelector"], ["lables", "labels"], ["colour", null],
];
for (const [key, guess] of suggestionCases) {
  test(`unknown key ${key} ${guess ? `suggests ${guess}` : "suggests nothing"}`, () => {
    const [warning] = parseConfig({ [key]: "x" }).warnings;
    if (guess) assert.match(warning?.message ?? "", new RegExp(`did you mean ${guess}\\?$`));
    else assert.doesNotMatch(warning?.message ?? "", /did you mean/);
  });
}

test("several problems are all reported, not just the first", () => {
  const parsed = parseConfig({ timeoutSec: "x", namespace: "BAD", image: "a b", retainJobs: "?" });
  assert.deepEqual(parsed.errors.map((issue) => issue.field).sort(), ["image", "namespace", "retainJobs", "timeoutSec"]);
});
