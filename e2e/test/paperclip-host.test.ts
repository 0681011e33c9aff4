// End to end: the real Paperclip server (paperclipai 2026.916.1) installs our package as an
// adapter plugin, serves its config schema and UI parser, and runs agents through execute().
// A server with no cluster configured fails a run honestly (k8s_cluster_unavailable); real runs
// on kube-sim through this server are in paperclip-ui.test.ts.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { paperclipApi } from "./paperclip-api.ts";
import type { Json } from "./paperclip-api.ts";
import { acquireStartLock, ensureAdapterBuilt, freePort, processesUsing, startPaperclip } from "./paperclip-server.ts";
import type { PaperclipServer } from "./paperclip-server.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const adapterDir = path.join(repoRoot, "packages", "claude-k8s");
const RUN_TIMEOUT_MS = 30_000;

let server: PaperclipServer | undefined;
const { call, expectStatus, waitForHealth, waitForRunEnd, baseUrl } = paperclipApi(() => server);

async function wakeAgent(companyId: string, name: string, adapterConfig: Json): Promise<Json> {
  const agent = await expectStatus("POST", `/companies/${companyId}/agents`, 201, { name, role: "engineer", adapterType: "claude_k8s", adapterConfig });
  assert.equal(agent.adapterType, "claude_k8s");
  const queued = await expectStatus("POST", `/agents/${agent.id}/wakeup`, 202, { source: "on_demand", triggerDetail: "manual", reason: "claude_k8s e2e" });
  assert.equal(typeof queued.id, "string", `wakeup returned no run id: ${JSON.stringify(queued).slice(0, 300)}`);
  return await waitForRunEnd(queued.id, RUN_TIMEOUT_MS);
}

describe("the real Paperclip server hosts the claude_k8s adapter", { timeout: 150_000 }, () => {
  before(async () => {
    await ensureAdapterBuilt(repoRoot);
    const bootStarted = Date.now();
    const release = await acquireStartLock();
    try {
      server = startPaperclip(repoRoot, await freePort());
      await waitForHealth();
    } finally {
      release();
    }
    console.log(`# Paperclip healthy at ${baseUrl()} after ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    // Runs even when before() or a test failed; stop() is idempotent.
    await server?.stop();
  });

  test("installs the package from its local path as adapter type claude_k8s", async () => {
    const installed = await expectStatus("POST", "/adapters/install", 201, { packageName: adapterDir, isLocalPath: true });
    assert.equal(installed.type, "claude_k8s");
    assert.equal(installed.packageName, adapterDir);
  });

  test("serves our configuration schema", async () => {
    const schema = await expectStatus("GET", "/adapters/claude_k8s/config-schema", 200);
    const keys = (schema.fields as Json[]).map((field) => field.key);
    for (const key of ["namespace", "image", "workspaceVolumeClaim", "timeoutSec", "model"]) {
      assert.ok(keys.includes(key), `config schema lacks ${key}; has ${keys.join(", ")}`);
    }
  });

  test("serves our bundled UI parser, which loads the way Paperclip's UI worker evaluates it", async () => {
    const answer = await call("GET", "/adapters/claude_k8s/ui-parser.js");
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.doesNotMatch(answer.text, /^\s*(import|export)[\s{*]/m, "the UI evaluates the text as a function body: no import or export statements");
    const { loadLikePaperclipUi } = (await import(pathToFileURL(path.join(adapterDir, "scripts", "bundle-ui-parser.mjs")).href)) as { loadLikePaperclipUi: (source: string) => (line: string, ts: string) => Json[] };
    const parse = loadLikePaperclipUi(answer.text);
    assert.deepEqual(parse('{"type":"system","subtype":"init","model":"m","session_id":"s"}', "t"), [{ kind: "init", ts: "t", model: "m", sessionId: "s" }]);
  });

  test("a wake with a valid config but no cluster configured fails honestly with k8s_cluster_unavailable", async () => {
    const company = await expectStatus("POST", "/companies", 201, { name: "claude_k8s e2e" });
    const run = await wakeAgent(company.id, "k8s-valid", { namespace: "paperclip-e2e", image: "registry.invalid/claude:1", timeoutSec: 600 });
    assert.equal(run.status, "failed", `expected a failed run, got ${run.status} (${run.error})`);
    assert.equal(run.errorCode, "k8s_cluster_unavailable", `errorCode ${run.errorCode}: ${run.error}`);
    assert.match(String(run.error), /no Job was created.*Set the adapter's kubeconfigPath, set KUBECONFIG/s);
    // Keys the real server injects into the config are known, so a clean config logs no warning.
    const log = await expectStatus("GET", `/heartbeat-runs/${run.id}/log`, 200);
    assert.doesNotMatch(String(log.content), /config warning/, "the server's injected keys must not warn");
  });

  test("a wake with timeoutSec \"abc\" fails with k8s_invalid_config and the log names the field", async () => {
    const company = await expectStatus("POST", "/companies", 201, { name: "claude_k8s e2e bad config" });
    const run = await wakeAgent(company.id, "k8s-invalid", { timeoutSec: "abc" });
    assert.equal(run.status, "failed");
    assert.equal(run.errorCode, "k8s_invalid_config", `errorCode ${run.errorCode}: ${run.error}`);
    const log = await expectStatus("GET", `/heartbeat-runs/${run.id}/log`, 200);
    const chunks = String(log.content).split("\n").filter(Boolean).map((line) => JSON.parse(line) as Json);
    const stderr = chunks.filter((chunk) => chunk.stream === "stderr").map((chunk) => String(chunk.chunk)).join("");
    assert.match(stderr, /invalid configuration.*timeoutSec/, `run log lacks the field name:\n${stderr}`);
  });

  test("stopping the server leaves no process behind", async () => {
    assert.ok(server, "server not started");
    const home = server.home;
    const leftovers = await server.stop();
    assert.deepEqual(leftovers, [], `processes left after stopping Paperclip:\n${leftovers.join("\n")}`);
    assert.deepEqual(processesUsing(home), []);
    assert.equal(existsSync(home), false, `temp home ${home} not removed`);
  });
});
