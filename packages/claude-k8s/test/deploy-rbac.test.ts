// deploy/rbac.yaml, enforced by kube-sim: the adapter's object flows succeed under exactly that
// Role through the real client-node, and what the adapter never needs is refused with a 403.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  ApiException, AuthorizationV1Api, BatchV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions,
} from "@kubernetes/client-node";
import { rulesFromYaml, startKubeSim, type KubeSim } from "kube-sim";
import { defaultConfig } from "../src/config/parse.ts";
import { JOB_NAMESPACE_ACCESS, SERVER_POD_ACCESS, type RequiredAccess } from "../src/spec/access.ts";
import { buildLease, microTime, ownerPatch, planRun, selectorForAgent, agentLeaseName, leaseLabels } from "../src/spec/index.ts";

const ROLE = readFileSync(new URL("../../../deploy/rbac.yaml", import.meta.url), "utf8");
const NS = "paperclip-agents";
const SERVER_NS = "paperclip";
const USER = "system:serviceaccount:paperclip:paperclip";
let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;
let leases: CoordinationV1Api;
let reviews: AuthorizationV1Api;

before(async () => {
  sim = await startKubeSim({ runtime: false, namespaces: ["default", NS, SERVER_NS],
    users: [{ token: "server-sa-token", user: USER, rbacYaml: ROLE }] });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigFor("server-sa-token", USER));
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  leases = kc.makeApiClient(CoordinationV1Api);
  reviews = kc.makeApiClient(AuthorizationV1Api);
});

after(async () => {
  await sim.stop();
});

async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

test("deploy/rbac.yaml allows the adapter's whole object flow", async () => {
  const plan = planRun({
    identity: { agentId: "agent-1", runId: "run-1", companyId: "c-1" }, namespace: NS,
    config: { ...defaultConfig(), image: "claude:1" }, serverPod: null, serverContainerName: null, prompt: "hi",
    agentToken: "tok", instructions: null, runVars: {}, isForbidden: () => false, resumeSessionId: null, cwd: null,
    now: new Date().toISOString(),
  });
  assert.ok(plan.ok);
  const now = new Date();
  const lease = buildLease({ name: agentLeaseName("agent-1"), namespace: NS, holderIdentity: "run-1",
    leaseDurationSeconds: 60, now, labels: leaseLabels("agent-1", "c-1") });
  const created = await leases.createNamespacedLease({ namespace: NS, body: lease });
  created.spec = { ...created.spec, renewTime: microTime(new Date(now.getTime() + 1000)) as never };
  await leases.replaceNamespacedLease({ namespace: NS, name: lease.metadata?.name ?? "", body: created });
  await core.createNamespacedSecret({ namespace: NS, body: plan.secret });
  const job = await batch.createNamespacedJob({ namespace: NS, body: plan.job });
  await core.patchNamespacedSecret({ namespace: NS, name: plan.secretName, body: ownerPatch(job) },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  const found = await batch.listNamespacedJob({ namespace: NS, labelSelector: selectorForAgent("agent-1") });
  assert.deepEqual(found.items.map((j) => j.metadata?.name), [plan.jobName]);
  await core.listNamespacedPod({ namespace: NS, labelSelector: selectorForAgent("agent-1") });
  await core.listNamespacedEvent({ namespace: NS });
  // testEnvironment's claim check: allowed to look (a 404 here, not a 403).
  assert.equal(await statusOf(() => core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: "workspace" })), 404);
  await batch.deleteNamespacedJob({ namespace: NS, name: plan.jobName, propagationPolicy: "Background" });
  await core.deleteNamespacedSecret({ namespace: NS, name: plan.secretName });
  await leases.deleteNamespacedLease({ namespace: NS, name: lease.metadata?.name ?? "" });
});

const REFUSED: [string, () => Promise<unknown>][] = [
  ["creating a pod directly", () => core.createNamespacedPod({ namespace: NS,
    body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } } })],
  ["deleting pods", () => core.deleteNamespacedPod({ namespace: NS, name: "any" })],
  ["reading nodes", () => core.listNode()],
  ["writing configmaps", () => core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "x" } } })],
  ["updating a Job's status", () => batch.replaceNamespacedJobStatus({ namespace: NS, name: "x", body: {} })],
];
for (const [what, call] of REFUSED) {
  test(`deploy/rbac.yaml refuses ${what} (403)`, async () => {
    assert.equal(await statusOf(call), 403);
  });
}

const REVIEWS: [string, string, string, string | undefined, boolean][] = [
  ["batch", "jobs", "create", undefined, true],
  ["", "pods", "get", "log", true],
  ["", "secrets", "create", undefined, true],
  ["coordination.k8s.io", "leases", "update", undefined, true],
  ["", "pods", "create", undefined, false],
  ["", "configmaps", "create", undefined, false],
];
for (const [group, resource, verb, subresource, want] of REVIEWS) {
  test(`SelfSubjectAccessReview under deploy/rbac.yaml: ${verb} ${resource}${subresource ? `/${subresource}` : ""} -> ${want}`, async () => {
    const review = await reviews.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes:
      { namespace: NS, group, resource, verb, ...(subresource ? { subresource } : {}) } } } });
    assert.equal(review.status?.allowed, want);
  });
}

/** "namespace group resource[/sub] verb" for every permission, to compare sets. */
function grants(namespace: string, access: readonly RequiredAccess[]): string[] {
  return access.flatMap((entry) => entry.verbs.map((verb) =>
    `${namespace} ${entry.group} ${entry.subresource ? `${entry.resource}/${entry.subresource}` : entry.resource} ${verb}`));
}

test("deploy/rbac.yaml grants exactly the permissions in spec/access.ts: nothing missing, nothing extra", () => {
  const granted = rulesFromYaml(ROLE).flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) =>
    rule.verbs.map((verb) => `${rule.namespace ?? "(cluster)"} ${group} ${resource} ${verb}`))));
  const wanted = [...grants(NS, JOB_NAMESPACE_ACCESS), ...grants(SERVER_NS, [SERVER_POD_ACCESS])];
  assert.deepEqual([...granted].sort(), [...wanted].sort());
});

test("deploy/rbac.yaml lets the server read its own pod in its own namespace, and nothing more there", async () => {
  const review = async (namespace: string, resource: string, verb: string) => (await reviews.createSelfSubjectAccessReview({ body: {
    spec: { resourceAttributes: { namespace, group: "", resource, verb } } } })).status?.allowed;
  assert.equal(await review(SERVER_NS, "pods", "get"), true);
  assert.equal(await review(SERVER_NS, "pods", "list"), false);
  assert.equal(await review(SERVER_NS, "secrets", "get"), false);
});
