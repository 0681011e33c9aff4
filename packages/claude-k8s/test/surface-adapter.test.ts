import { test } from "node:test";
import assert from "node:assert/strict";
import type { AdapterExecutionContext } from "@paperclipai/adapter-utils";
import * as face from "../src/index.ts";
import * as server from "../src/server.ts";
import { CONFIG_FIELDS } from "../src/config/fields.ts";
import { statusOf } from "../src/paperclip/environment.ts";

const adapter = server.createServerAdapter();

test("createServerAdapter is exported from the package face and the server module", () => {
  assert.equal(typeof face.createServerAdapter, "function");
  assert.equal(face.createServerAdapter().type, "claude_k8s");
  assert.equal(face.type, "claude_k8s");
  assert.ok(face.label.length > 0);
  assert.ok(face.models.length > 0);
});

const fieldTypes: Array<[string, string]> = [
  ["type", "string"], ["execute", "function"], ["testEnvironment", "function"], ["sessionCodec", "object"],
  ["sessionManagement", "object"], ["models", "object"], ["listModels", "function"], ["agentConfigurationDoc", "string"],
  ["getConfigSchema", "function"], ["supportsLocalAgentJwt", "boolean"], ["supportsInstructionsBundle", "boolean"],
  ["instructionsPathKey", "string"],
];
for (const [key, type] of fieldTypes) {
  test(`adapter.${key} is a ${type}`, () => {
    assert.equal(typeof (adapter as unknown as Record<string, unknown>)[key], type);
  });
}

test("adapter flags and keys have the values Paperclip needs", () => {
  assert.equal(adapter.type, "claude_k8s");
  assert.equal(adapter.supportsLocalAgentJwt, true);
  assert.equal(adapter.supportsInstructionsBundle, true);
  assert.equal(adapter.instructionsPathKey, "instructionsFilePath");
  assert.equal(adapter.sessionManagement?.supportsSessionResume, true);
  assert.ok(Array.isArray(adapter.models));
});

function ctx(config: Record<string, unknown>, logs: string[]): AdapterExecutionContext {
  return {
    runId: "run-1",
    agent: { id: "agent-1", companyId: "co-1", name: "A", adapterType: "claude_k8s", adapterConfig: config },
    runtime: { sessionId: null, sessionParams: null, sessionDisplayId: null, taskKey: null },
    config,
    context: {},
    onLog: async (_stream, chunk) => { logs.push(chunk); },
    authToken: "tok",
  };
}

test("execute with a kubeconfig that does not exist fails with k8s_cluster_unavailable naming the path and the fix", async () => {
  const logs: string[] = [];
  const result = await adapter.execute(ctx({ namespace: "agents", kubeconfig: "/nonexistent/kubeconfig" }, logs));
  assert.equal(result.errorCode, "k8s_cluster_unavailable");
  assert.equal(result.exitCode, null);
  assert.equal(result.timedOut, false);
  assert.match(String(result.errorMessage), /no Job was created: kubeconfig \/nonexistent\/kubeconfig \(from kubeconfigPath\) does not exist: fix the path/);
  assert.ok(logs.some((line) => line.includes("/nonexistent/kubeconfig")), "the reason is in the run log too");
});

test("execute with a bad config lists every problem under k8s_invalid_config", async () => {
  const logs: string[] = [];
  const result = await adapter.execute(ctx({ timeoutSec: "abc", namespace: "Bad_NS", env: { PAPERCLIP_API_KEY: "x" }, modle: "typo" }, logs));
  assert.equal(result.errorCode, "k8s_invalid_config");
  assert.equal(result.exitCode, null);
  for (const field of ["timeoutSec:", "namespace:", "env.PAPERCLIP_API_KEY:"]) {
    assert.ok(result.errorMessage?.includes(field), `${field} missing from ${result.errorMessage}`);
  }
  assert.ok(logs.some((line) => line.includes("modle")), "the unknown-key warning is logged");
});

test("execute still returns its result when onLog rejects (R9)", async () => {
  const context = { ...ctx({ timeoutSec: "abc", modle: "typo" }, []), onLog: async () => { throw new Error("host log sink closed"); } };
  const result = await adapter.execute(context);
  assert.equal(result.errorCode, "k8s_invalid_config");
  assert.match(result.errorMessage ?? "", /timeoutSec:/);
});

test("execute merges the form's envBindings/envVars when env is absent", async () => {
  const result = await adapter.execute(ctx({ envBindings: { PAPERCLIP_API_KEY: { type: "plain", value: "x" } } }, []));
  assert.equal(result.errorCode, "k8s_invalid_config");
  assert.match(result.errorMessage ?? "", /env\.PAPERCLIP_API_KEY/);
});

interface EnvTestCase {
  config: Record<string, unknown>;
  status: "pass" | "warn" | "fail";
  codes: string[];
  notCodes: string[];
}

// The config-only part of testEnvironment (the cluster part is tested against kube-sim in
// paperclip-environment.test.ts).
const envTestCases: EnvTestCase[] = [
  { config: { image: "ghcr.io/a/claude:1", workspaceVolumeClaim: "data", timeoutSec: 600 }, status: "pass",
    codes: ["k8s_config_valid"], notCodes: ["k8s_no_shared_volume", "k8s_config_invalid", "k8s_cluster_not_checked"] },
  { config: {}, status: "warn", codes: ["k8s_config_valid", "k8s_no_shared_volume", "k8s_image_inherited", "k8s_no_deadline"], notCodes: ["k8s_config_invalid"] },
  { config: { image: "x", workspaceVolumeClaim: "data", colour: "blue" }, status: "warn", codes: ["k8s_config_warning"], notCodes: ["k8s_config_invalid"] },
  { config: { graceSec: "later", workspaceVolumeClaim: "data" }, status: "fail", codes: ["k8s_config_invalid"], notCodes: ["k8s_config_valid"] },
];

for (const { config, status, codes, notCodes } of envTestCases) {
  test(`configEnvironmentChecks(${JSON.stringify(config)}) -> ${status}`, () => {
    const checks = server.configEnvironmentChecks(config);
    assert.equal(statusOf(checks), status);
    const got = checks.map((check) => check.code);
    for (const code of codes) assert.ok(got.includes(code), `${code} missing from ${got.join(",")}`);
    for (const code of notCodes) assert.ok(!got.includes(code), `${code} unexpected`);
    for (const check of checks) assert.ok(["info", "warn", "error"].includes(check.level));
  });
}

test("the adapter's testEnvironment returns the host's result shape, with config and cluster checks", async () => {
  const result = await adapter.testEnvironment({ companyId: "co-1", adapterType: "claude_k8s",
    config: { image: "x:1", workspaceVolumeClaim: "data", kubeconfig: "/nonexistent/claude-k8s-test.kubeconfig" } });
  assert.equal(result.adapterType, "claude_k8s");
  assert.equal(result.status, "fail");
  assert.ok(!Number.isNaN(Date.parse(result.testedAt)));
  const got = result.checks.map((check) => check.code);
  assert.ok(got.includes("k8s_config_valid") && got.includes("k8s_kubeconfig_unavailable"), got.join(","));
});

test("testEnvironment names the bad field in the error check", () => {
  const error = server.configEnvironmentChecks({ graceSec: "later" }).find((check) => check.level === "error");
  assert.match(error?.message ?? "", /^graceSec: /);
});

test("testEnvironment explains that sessions start fresh without a shared volume", () => {
  const check = server.configEnvironmentChecks({}).find((candidate) => candidate.code === "k8s_no_shared_volume");
  assert.match(check?.message ?? "", /cannot resume/);
  assert.match(check?.message ?? "", /start fresh/);
});

test("getConfigSchema has exactly one form field per config field, with valid types", async () => {
  const schema = await adapter.getConfigSchema!();
  const keys = schema.fields.map((field) => field.key);
  assert.deepEqual(keys, CONFIG_FIELDS.map((field) => field.key));
  assert.equal(new Set(keys).size, keys.length);
  for (const field of schema.fields) {
    assert.ok(["text", "select", "toggle", "number", "textarea", "combobox"].includes(field.type), field.key);
    assert.ok(field.label.length > 0 && (field.hint ?? "").length > 0, field.key);
    if (field.type === "select" || field.type === "combobox") assert.ok((field.options ?? []).length > 0, `${field.key} options`);
  }
});

test("getConfigSchema carries the defaults the parser applies", async () => {
  const schema = await adapter.getConfigSchema!();
  const byKey = new Map(schema.fields.map((field) => [field.key, field]));
  assert.equal(byKey.get("ttlSecondsAfterFinished")?.default, 300);
  assert.equal(byKey.get("retainJobs")?.default, false);
  assert.equal(byKey.get("reattachOrphanedJobs")?.default, true);
  assert.equal(byKey.get("imagePullPolicy")?.default, "IfNotPresent");
  assert.equal(byKey.get("graceSec")?.default, 20);
  assert.deepEqual(JSON.parse(String(byKey.get("resources")?.default)), { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } });
  assert.deepEqual(byKey.get("effort")?.options?.map((option) => option.value), ["", "low", "medium", "high", "xhigh", "max"]);
});

test("agentConfigurationDoc documents every config field", () => {
  for (const field of CONFIG_FIELDS) {
    assert.ok(adapter.agentConfigurationDoc?.includes(`- ${field.key} (default: `), `${field.key} undocumented`);
  }
});
