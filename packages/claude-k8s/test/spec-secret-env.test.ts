// Config env values (where the server puts resolved secret refs and managed credentials) and
// the run's own credentials never appear in the Job spec: they travel in the run Secret and the
// container reads them by reference, with the env layers' precedence unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Container, V1EnvVar } from "@kubernetes/client-node";
import { defaultConfig } from "../src/config/parse.ts";
import type { ClaudeK8sConfig } from "../src/config/types.ts";
import { planRun, type RunPlan, type RunPlanInput } from "../src/spec/plan.ts";
import { envSecretKey, SECRET_MAX_BYTES } from "../src/spec/secret.ts";

const CREDENTIALS: Record<string, string> = {
  ANTHROPIC_API_KEY: "sk-ant-api03-secret-value-1",
  CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-secret-value-2",
  GITHUB_TOKEN: "ghp_secret_value_3",
  PAPERCLIP_GITHUB_BROKER_TOKEN: "broker-secret-value-4",
  "my.odd-name": "odd-secret-value-5",
};
const AGENT_TOKEN = "pcp_agent_secret_value_6";
const TOOLS_TOKEN = "tools-secret-value-7";
const SERVER: V1Container = {
  name: "paperclip", image: "paperclip:1",
  env: [{ name: "ANTHROPIC_API_KEY", valueFrom: { secretKeyRef: { name: "server-anthropic", key: "key" } } }, { name: "LOG_LEVEL", value: "info" }],
};

function input(config: Partial<ClaudeK8sConfig>, overrides: Partial<RunPlanInput> = {}): RunPlanInput {
  return {
    identity: { agentId: "agent-1", runId: "run-1", companyId: "co-1" }, namespace: "agents",
    config: { ...defaultConfig(), image: "claude:1", ...config },
    serverPod: { metadata: { name: "server-0" }, spec: { containers: [SERVER] } }, serverContainerName: "paperclip",
    prompt: "hi", agentToken: AGENT_TOKEN, secretRunVars: { PAPERCLIP_RUNTIME_TOOLS_TOKEN: TOOLS_TOKEN },
    instructions: null, runVars: { PAPERCLIP_RUN_ID: "run-1", GITHUB_TOKEN: "run-layer-value" },
    isForbidden: (key) => key === "PAPERCLIP_API_KEY", resumeSessionId: null, cwd: null,
    now: "2026-01-01T00:00:00Z", ...overrides,
  };
}

function planned(config: Partial<ClaudeK8sConfig>, overrides: Partial<RunPlanInput> = {}): Extract<RunPlan, { ok: true }> {
  const result = planRun(input(config, overrides));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result;
}

/** What the container sees for each variable, reading run-Secret references as the kubelet does. */
function seen(plan: Extract<RunPlan, { ok: true }>): Map<string, string | V1EnvVar> {
  const out = new Map<string, string | V1EnvVar>();
  for (const entry of plan.job.spec?.template.spec?.containers[0]?.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref?.name === plan.secretName) {
      const data = plan.secret.data?.[ref.key];
      assert.ok(data !== undefined, `${entry.name}: the run Secret has no key ${ref.key}`);
      out.set(entry.name, Buffer.from(data, "base64").toString("utf8"));
    } else out.set(entry.name, entry.value ?? entry);
  }
  return out;
}

test("plan: no config env value and no run credential is written into the Job", () => {
  const plan = planned({ env: { ...CREDENTIALS, MODE: "fast" } });
  const job = JSON.stringify(plan.job);
  for (const value of [...Object.values(CREDENTIALS), AGENT_TOKEN, TOOLS_TOKEN, "fast"]) {
    assert.ok(!job.includes(value), `${value} appears in the Job spec`);
  }
  const env = seen(plan);
  for (const [name, value] of Object.entries(CREDENTIALS)) assert.equal(env.get(name), value, name);
  assert.equal(env.get("MODE"), "fast");
  assert.equal(env.get("PAPERCLIP_API_KEY"), AGENT_TOKEN);
  assert.equal(env.get("PAPERCLIP_RUNTIME_TOOLS_TOKEN"), TOOLS_TOKEN);
});

test("plan: precedence is unchanged: config env over run variables and the inherited env; run credentials over all", () => {
  const env = seen(planned({ env: { GITHUB_TOKEN: "config-value", ANTHROPIC_API_KEY: "config-key", PAPERCLIP_RUNTIME_TOOLS_TOKEN: "config-tools" } }));
  assert.equal(env.get("GITHUB_TOKEN"), "config-value", "config env beats the run variable");
  assert.equal(env.get("ANTHROPIC_API_KEY"), "config-key", "config env beats the inherited reference");
  assert.equal(env.get("PAPERCLIP_RUNTIME_TOOLS_TOKEN"), TOOLS_TOKEN, "the run's credential beats config env");
  assert.equal(env.get("LOG_LEVEL"), "info", "inherited literals pass as before");
  const inherited = seen(planned({ env: {} })).get("ANTHROPIC_API_KEY");
  assert.deepEqual(inherited, SERVER.env?.[0], "without config env the server's own reference is inherited as is");
});

test("plan: the server's scratch paths stay plain (they are paths, and made pod-local)", () => {
  const plan = planned({ env: { TMPDIR: "/tmp/paperclip-run-x", PAPERCLIP_RUN_SCRATCH_DIR: "/tmp/paperclip-run-x", API_TOKEN: "t" } });
  const container = plan.job.spec?.template.spec?.containers[0];
  const byName = new Map((container?.env ?? []).map((e) => [e.name, e]));
  assert.equal(byName.get("TMPDIR")?.value, "/tmp/paperclip-scratch");
  assert.equal(byName.get("API_TOKEN")?.valueFrom?.secretKeyRef?.key, "env.API_TOKEN");
  assert.deepEqual(Object.keys(plan.secret.data ?? {}).sort(), ["agent-token", "env.API_TOKEN", "env.PAPERCLIP_RUNTIME_TOOLS_TOKEN", "prompt"]);
});

test("plan: the 1 MiB Secret limit counts env values too, and names the parts", () => {
  const half = "x".repeat(SECRET_MAX_BYTES / 2);
  const result = planRun(input({ env: { BIG_A: half, BIG_B: half } }, { prompt: "p" }));
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.errors[0]?.code, "k8s_prompt_too_large");
    assert.match(result.errors[0]?.message ?? "", /env\.BIG_A 524288/);
    assert.ok(!(result.errors[0]?.message ?? "").includes("xxxx"), "sizes only, never values");
  }
});

const KEY_CASES: [string, RegExp][] = [
  ["ANTHROPIC_API_KEY", /^env\.ANTHROPIC_API_KEY$/],
  ["my.odd-name", /^env\.my\.odd-name$/],
  ["HAS SPACE", /^env\.sha256-[0-9a-f]{32}$/],
  ["ÜNICODE", /^env\.sha256-[0-9a-f]{32}$/],
  ["L".repeat(300), /^env\.sha256-[0-9a-f]{32}$/],
];
for (const [name, expected] of KEY_CASES) {
  test(`envSecretKey: ${name.slice(0, 20)} -> a valid Secret key`, () => {
    const key = envSecretKey(name);
    assert.match(key, expected);
    assert.match(key, /^[-._a-zA-Z0-9]{1,253}$/);
  });
}

test("envSecretKey: distinct names get distinct keys", () => {
  assert.notEqual(envSecretKey("A B"), envSecretKey("A  B"));
});
