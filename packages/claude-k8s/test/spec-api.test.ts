// The spec manifests against a Kubernetes API (kube-sim, API only) through the real
// @kubernetes/client-node over HTTP: accepted as built, found by our selectors, owned, locked.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  BatchV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions,
} from "@kubernetes/client-node";
import { startKubeSim, type KubeSim } from "kube-sim";
import { defaultConfig } from "../src/config/parse.ts";
import { planRun, type RunPlanInput } from "../src/spec/plan.ts";
import { ownerPatch } from "../src/spec/secret.ts";
import { leaseLabels, selectorForAgent, selectorForRun } from "../src/spec/labels.ts";
import { agentLeaseName } from "../src/spec/names.ts";
import { buildLease, isJobLive, isLeaseHeld } from "../src/spec/lease.ts";

let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;
let leases: CoordinationV1Api;

before(async () => {
  sim = await startKubeSim({ runtime: false, namespaces: ["default", "agents"] });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  leases = kc.makeApiClient(CoordinationV1Api);
});

after(async () => {
  await sim.stop();
});

function planInput(agentId: string, runId: string): RunPlanInput {
  return {
    identity: { agentId, runId, companyId: "Company ünïcode", agentName: "Agent \"X\"", taskId: "task/1", taskKey: "issue:1", sessionId: null },
    namespace: "agents", config: { ...defaultConfig(), image: "ghcr.io/acme/claude:1", labels: { team: "core" }, env: { MODE: "$(HOME) literal" } },
    serverPod: null, serverContainerName: null, prompt: "hello 🤖", agentToken: "tok", instructions: "# rules",
    runVars: { PAPERCLIP_RUN_ID: runId }, isForbidden: (k) => k === "PAPERCLIP_API_KEY", resumeSessionId: null,
    cwd: null, now: "2025-06-01T00:00:00Z",
  };
}

const ID_CASES: [string, string, string][] = [
  ["uuids", "3f2b8c1e-9d4a-4e7b-8a1c-2b3d4e5f6a7b", "9a8b7c6d-1111-2222-3333-444455556666"],
  ["hostile ids", "../../Agent $(id) 🤖", `${"R".repeat(200)}\n'"`],
];

for (const [label, agentId, runId] of ID_CASES) {
  test(`api: Secret, Job, owner patch and selectors for ${label}`, async () => {
    const plan = planRun(planInput(agentId, runId));
    assert.ok(plan.ok, JSON.stringify(!plan.ok && plan.errors));
    await core.createNamespacedSecret({ namespace: "agents", body: plan.secret });
    const job = await batch.createNamespacedJob({ namespace: "agents", body: plan.job });
    assert.equal(job.metadata?.name, plan.jobName);
    assert.equal(job.spec?.backoffLimit, 0, "ours, not the API default of 6");
    assert.equal(job.spec?.podReplacementPolicy, "Failed");
    assert.equal(isJobLive(job), true);
    const owned = await core.patchNamespacedSecret({ name: plan.secretName, namespace: "agents", body: ownerPatch(job) },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    assert.equal(owned.metadata?.ownerReferences?.[0]?.uid, job.metadata?.uid);
    const byAgent = await batch.listNamespacedJob({ namespace: "agents", labelSelector: selectorForAgent(agentId) });
    assert.deepEqual(byAgent.items.map((j) => j.metadata?.name), [plan.jobName]);
    const byRun = await core.listNamespacedSecret({ namespace: "agents", labelSelector: selectorForRun(runId) });
    assert.deepEqual(byRun.items.map((s) => s.metadata?.name), [plan.secretName]);
    assert.equal(Buffer.from(byRun.items[0]?.data?.prompt ?? "", "base64").toString("utf8"), "hello 🤖");
    assert.equal(job.metadata?.annotations?.["paperclip.io/agent-id"], agentId);
  });
}

test("api: the agent Lease round-trips; held until its duration passes", async () => {
  const now = new Date("2025-06-01T00:00:00.250Z");
  const body = buildLease({ name: agentLeaseName("agent/1"), namespace: "agents", holderIdentity: "run-1",
    leaseDurationSeconds: 30, now, labels: leaseLabels("agent/1", "co") });
  const created = await leases.createNamespacedLease({ namespace: "agents", body });
  assert.equal(created.spec?.holderIdentity, "run-1");
  assert.equal(isLeaseHeld(created, new Date(now.getTime() + 29_000)), true);
  assert.equal(isLeaseHeld(created, new Date(now.getTime() + 31_000)), false);
});
