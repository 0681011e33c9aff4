// Credentials the server resolves into config.env (API keys, GitHub tokens, the broker token)
// and the run's own tokens reach claude in the pod, yet no value appears anywhere in the Job's
// or the pod's recorded history: they travel in the run Secret, read by reference.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bash, say } from "anthropic-sim";
import { JOBS, PODS } from "kube-sim";
import { agentConfig, run, runContext, startWorld, transcriptLines, NAMESPACE } from "./run-support.ts";
import type { World } from "./run-support.ts";

const API_KEY = "sk-ant-api03-lifecycle-credential-0001";
const GITHUB = "ghp_lifecycle_credential_0002";
const BROKER = "broker-lifecycle-credential-0003";
const TOOLS = "tools-lifecycle-credential-0004";
const AGENT_TOKEN = "agent-token-secret-123"; // runContext's authToken

let world: World;

before(async () => {
  world = await startWorld({
    model: { script: [bash('echo "seen gh=$GITHUB_TOKEN broker=$PAPERCLIP_GITHUB_BROKER_TOKEN tools=$PAPERCLIP_RUNTIME_TOOLS_TOKEN agent=$PAPERCLIP_API_KEY"'), say("Checked.")] },
  });
});

after(async () => {
  await world.stop();
});

test("credentials reach claude, never the Job or pod spec, and onMeta shows them redacted", async () => {
  const base = agentConfig(world, { retainJobs: true });
  const env = { ...(base.env as Record<string, string>), ANTHROPIC_API_KEY: API_KEY, GITHUB_TOKEN: GITHUB, PAPERCLIP_GITHUB_BROKER_TOKEN: BROKER };
  const config = { ...base, env };
  const handle = runContext(config);
  handle.ctx.runtimeTools = {
    version: 1, guidance: "use the tools", mcpEndpoint: "http://127.0.0.1:9/mcp", bearerToken: TOOLS,
    rest: { connectionsSearch: "http://127.0.0.1:9/s", connectionRequest: "http://127.0.0.1:9/r" },
    expiresAt: "2099-01-01T00:00:00Z", tools: ["connections_search", "connection_request"],
  };
  let metaEnv: Record<string, string> = {};
  handle.ctx.onMeta = async (meta) => { metaEnv = meta.env ?? {}; };
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);

  const job = (result.resultJson as { k8s: { job: string } }).k8s.job;
  const jobHistory = world.sim.runtime?.groundTruth.history(JOBS, NAMESPACE, job) ?? [];
  const pods = world.sim.store.list(PODS, NAMESPACE).items.filter((p) => p.metadata?.name?.startsWith(`${job}-`));
  assert.ok(jobHistory.length > 0 && pods.length === 1, "the Job's history and its pod were recorded");
  const podHistory = world.sim.runtime?.groundTruth.history(PODS, NAMESPACE, pods[0]?.metadata?.name ?? "") ?? [];
  const recorded = JSON.stringify([...jobHistory, ...podHistory].map((h) => h.object));
  for (const value of [API_KEY, GITHUB, BROKER, TOOLS, AGENT_TOKEN]) assert.ok(!recorded.includes(value), `${value} is in the recorded Job/pod`);

  const keys = world.model.messageRequests().map((r) => r.headers["x-api-key"]);
  assert.ok(keys.length >= 2 && keys.every((k) => k === API_KEY), `claude used the configured key: ${JSON.stringify(keys)}`);
  const seen = transcriptLines(handle.record).join("\n");
  assert.ok(seen.includes(`seen gh=${GITHUB} broker=${BROKER} tools=${TOOLS} agent=${AGENT_TOKEN}`), "claude's tools see every credential");

  for (const name of ["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "PAPERCLIP_GITHUB_BROKER_TOKEN", "PAPERCLIP_RUNTIME_TOOLS_TOKEN", "PAPERCLIP_API_KEY"]) {
    assert.equal(metaEnv[name], "***REDACTED***", `onMeta env ${name}`);
  }
  assert.ok(!JSON.stringify(metaEnv).includes(GITHUB));
});
