// CRUD, Status bodies, patches and deletion through the real @kubernetes/client-node over HTTP.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ApiException, BatchV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, VersionApi,
} from "@kubernetes/client-node";
import type { V1Job } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import { trustCa } from "./support/trust.ts";
import type { KubeSim } from "../src/sim.ts";

let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;
let kc: KubeConfig;

before(async () => {
  sim = await startKubeSim({ runtime: false });
  trustCa(sim.caPem);
  kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  await core.createNamespace({ body: { metadata: { name: "agents" } } });
});

after(async () => {
  await sim.stop();
});

function jobBody(name: string, labels: Record<string, string> = {}): V1Job {
  return { metadata: { name, labels }, spec: { template: { spec: { restartPolicy: "Never",
    containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo hi"] }] } } } };
}

async function statusOf(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
    const body = JSON.parse(error.body as string) as Record<string, unknown>;
    assert.equal(body.code, error.code);
    return body;
  }
  assert.fail("expected the call to fail");
}

test("version and discovery answer", async () => {
  const version = await kc.makeApiClient(VersionApi).getCode();
  assert.equal(version.major, "1");
  const resources = await core.getAPIResources();
  const names = resources.resources.map((r) => r.name);
  for (const name of ["pods", "pods/log", "pods/status", "secrets", "namespaces", "events"]) assert.ok(names.includes(name), name);
});

test("create, get and list Jobs with defaults, labels and limit/continue", async () => {
  const created = await batch.createNamespacedJob({ namespace: "agents", body: jobBody("run-1", { app: "agent", run: "r1" }) });
  assert.equal(created.metadata?.namespace, "agents");
  assert.equal(created.spec?.backoffLimit, 6);
  assert.equal(created.spec?.template.metadata?.labels?.["batch.kubernetes.io/job-name"], "run-1");
  await batch.createNamespacedJob({ namespace: "agents", body: jobBody("run-2", { app: "agent", run: "r2" }) });
  await batch.createNamespacedJob({ namespace: "agents", body: jobBody("run-3", { app: "other" }) });
  const got = await batch.readNamespacedJob({ name: "run-1", namespace: "agents" });
  assert.equal(got.metadata?.uid, created.metadata?.uid);
  const selected = await batch.listNamespacedJob({ namespace: "agents", labelSelector: "app=agent,run in (r1,r2),!paused", limit: 1 });
  assert.deepEqual(selected.items.map((j) => j.metadata?.name), ["run-1"]);
  assert.ok(selected.metadata?._continue);
  const rest = await batch.listNamespacedJob({ namespace: "agents", labelSelector: "app=agent", _continue: selected.metadata?._continue });
  assert.deepEqual(rest.items.map((j) => j.metadata?.name), ["run-2"]);
  const all = await batch.listJobForAllNamespaces();
  assert.equal(all.items.length, 3);
});

test("Status bodies: 409 AlreadyExists, 404 NotFound, 422 Invalid, 400 selector, 404 namespace", async () => {
  await batch.createNamespacedJob({ namespace: "agents", body: jobBody("dup") });
  assert.deepEqual(await statusOf(batch.createNamespacedJob({ namespace: "agents", body: jobBody("dup") })), {
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'jobs.batch "dup" already exists',
    reason: "AlreadyExists", details: { name: "dup", group: "batch", kind: "jobs" }, code: 409 });
  assert.deepEqual(await statusOf(batch.readNamespacedJob({ name: "nope", namespace: "agents" })), {
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'jobs.batch "nope" not found',
    reason: "NotFound", details: { name: "nope", group: "batch", kind: "jobs" }, code: 404 });
  const invalid = await statusOf(batch.createNamespacedJob({ namespace: "agents", body: jobBody("Bad_Name") }));
  assert.equal(invalid.reason, "Invalid");
  assert.deepEqual((invalid.details as { causes: { field: string }[] }).causes.map((c) => c.field), ["metadata.name"]);
  const long = await statusOf(batch.createNamespacedJob({ namespace: "agents", body: jobBody("j".repeat(64)) }));
  assert.equal(long.code, 422);
  const selector = await statusOf(core.listNamespacedPod({ namespace: "agents", labelSelector: "app in (x" }));
  assert.equal(selector.code, 400);
  assert.match(String(selector.message), /^unable to parse requirement: /);
  const missingNs = await statusOf(core.createNamespacedSecret({ namespace: "ghost", body: { metadata: { name: "s" } } }));
  assert.equal(missingNs.message, 'namespaces "ghost" not found');
});

test("update with a stale resourceVersion → 409 Conflict; status subresource is separate", async () => {
  const job = await batch.createNamespacedJob({ namespace: "agents", body: jobBody("upd") });
  const updated = await batch.replaceNamespacedJob({ name: "upd", namespace: "agents",
    body: { ...job, metadata: { ...job.metadata, labels: { step: "1" } } } });
  assert.notEqual(updated.metadata?.resourceVersion, job.metadata?.resourceVersion);
  const conflict = await statusOf(batch.replaceNamespacedJob({ name: "upd", namespace: "agents", body: job }));
  assert.equal(conflict.reason, "Conflict");
  assert.equal(conflict.message, 'Operation cannot be fulfilled on jobs.batch "upd": the object has been modified; '
    + "please apply your changes to the latest version and try again");
  const withStatus = await batch.replaceNamespacedJobStatus({ name: "upd", namespace: "agents",
    body: { ...updated, status: { active: 1 } } });
  assert.equal(withStatus.status?.active, 1);
  assert.deepEqual(withStatus.metadata?.labels, { step: "1" });
});

test("patch: merge, JSON (failed test → 422), strategic merges containers by name", async () => {
  await batch.createNamespacedJob({ namespace: "agents", body: jobBody("pat", { a: "1" }) });
  const merged = await batch.patchNamespacedJob({ name: "pat", namespace: "agents",
    body: { metadata: { labels: { a: null, b: "2" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  assert.deepEqual(merged.metadata?.labels, { b: "2" });
  const jsonPatched = await batch.patchNamespacedJob({ name: "pat", namespace: "agents",
    body: [{ op: "test", path: "/metadata/labels/b", value: "2" }, { op: "add", path: "/metadata/labels/c", value: "3" },
      { op: "copy", from: "/metadata/labels/c", path: "/metadata/labels/d" }, { op: "remove", path: "/metadata/labels/b" }] },
  setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));
  assert.deepEqual(jsonPatched.metadata?.labels, { c: "3", d: "3" });
  const failedTest = await statusOf(batch.patchNamespacedJob({ name: "pat", namespace: "agents",
    body: [{ op: "test", path: "/metadata/labels/c", value: "nope" }] }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch)));
  assert.equal(failedTest.code, 422);
  assert.equal(failedTest.reason, "Invalid");
  const pod = await core.createNamespacedPod({ namespace: "agents", body: { metadata: { name: "smp" }, spec: {
    containers: [{ name: "a", image: "busybox", env: [{ name: "X", value: "1" }] }, { name: "b", image: "busybox" }] } } });
  assert.equal(pod.status?.phase, "Pending");
  const strategic = await core.patchNamespacedPod({ name: "smp", namespace: "agents",
    body: { spec: { containers: [{ name: "b", image: "alpine" }] } } },
  setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch));
  // Only the named item changes (a pod update may change images and little else).
  assert.deepEqual(strategic.spec?.containers.map((c) => [c.name, c.image, c.env?.map((e) => e.name)]),
    [["a", "busybox", ["X"]], ["b", "alpine", undefined]]);
});

test("delete: Job default Orphan answers the Job; Background a Success Status; Foreground keeps the Job", async () => {
  const orphanJob = await batch.createNamespacedJob({ namespace: "agents", body: jobBody("del-orphan") });
  // client-node reads the answer as a V1Status (dropping finalizers), so read this one raw.
  const raw = await fetch(`${sim.url}/apis/batch/v1/namespaces/agents/jobs/del-orphan`, { method: "DELETE",
    headers: { Authorization: `Bearer ${sim.token}` } });
  assert.equal(raw.status, 200);
  const orphanAnswer = await raw.json() as V1Job;
  assert.equal(orphanAnswer.kind, "Job");
  assert.deepEqual(orphanAnswer.metadata?.finalizers, ["orphan"]);
  assert.equal(orphanAnswer.metadata?.uid, orphanJob.metadata?.uid);
  const bg = await batch.createNamespacedJob({ namespace: "agents", body: jobBody("del-bg") });
  const bgAnswer = await batch.deleteNamespacedJob({ name: "del-bg", namespace: "agents", propagationPolicy: "Background" });
  assert.deepEqual(JSON.parse(JSON.stringify(bgAnswer)), { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success",
    details: { name: "del-bg", group: "batch", kind: "jobs", uid: bg.metadata?.uid } });
  const fg = await batch.createNamespacedJob({ namespace: "agents", body: jobBody("del-fg") });
  await core.createNamespacedPod({ namespace: "agents", body: { metadata: { name: "del-fg-pod", ownerReferences: [{
    apiVersion: "batch/v1", kind: "Job", name: "del-fg", uid: fg.metadata?.uid ?? "", blockOwnerDeletion: true, controller: true }] },
  spec: { containers: [{ name: "main", image: "busybox" }] } } });
  const fgAnswer = await batch.deleteNamespacedJob({ name: "del-fg", namespace: "agents", propagationPolicy: "Foreground" });
  assert.equal(fgAnswer.kind, "Job");
  const stillThere = await batch.readNamespacedJob({ name: "del-fg", namespace: "agents" });
  assert.ok(stillThere.metadata?.deletionTimestamp);
  assert.deepEqual(stillThere.metadata?.finalizers, ["foregroundDeletion"]);
  assert.equal((await statusOf(batch.readNamespacedJob({ name: "del-bg", namespace: "agents" }))).code, 404);
});

test("Secrets: stringData is stored as data; over 1 MiB → 422 FieldValueTooLong", async () => {
  const secret = await core.createNamespacedSecret({ namespace: "agents", body: { metadata: { name: "creds" }, stringData: { key: "v" } } });
  assert.deepEqual(secret.data, { key: Buffer.from("v").toString("base64") });
  const big = await statusOf(core.createNamespacedSecret({ namespace: "agents", body: { metadata: { name: "big" },
    data: { blob: Buffer.alloc(1_048_577).toString("base64") } } }));
  assert.equal(big.code, 422);
  assert.equal((big.details as { causes: { reason: string }[] }).causes[0]?.reason, "FieldValueTooLong");
});

test("Leases, generateName and the request record", async () => {
  const leases = kc.makeApiClient(CoordinationV1Api);
  const lease = await leases.createNamespacedLease({ namespace: "agents", body: { metadata: { generateName: "lock-" },
    spec: { holderIdentity: "me", leaseDurationSeconds: 15 } } });
  assert.match(lease.metadata?.name ?? "", /^lock-[a-z0-9]{5}$/);
  const creates = sim.requests.find({ verb: "create", resource: "leases" });
  assert.equal(creates.length, 1);
  assert.equal(creates[0]?.code, 201);
  assert.equal(creates[0]?.namespace, "agents");
});

test("dryRun=All validates and answers without storing anything", async () => {
  const before = sim.store.currentResourceVersion();
  const dry = await batch.createNamespacedJob({ namespace: "agents", body: jobBody("dry"), dryRun: "All" });
  assert.equal(dry.spec?.backoffLimit, 6, "defaults are applied");
  assert.equal((await statusOf(batch.readNamespacedJob({ name: "dry", namespace: "agents" }))).code, 404);
  assert.equal((await statusOf(batch.createNamespacedJob({ namespace: "agents", body: jobBody("Dry_Bad"), dryRun: "All" }))).code, 422);
  await batch.deleteNamespacedJob({ name: "upd", namespace: "agents", dryRun: "All", propagationPolicy: "Background" });
  assert.ok(await batch.readNamespacedJob({ name: "upd", namespace: "agents" }));
  assert.equal(sim.store.currentResourceVersion(), before);
});

test("no token → 401; protobuf body → 415", async () => {
  const anonymous = await fetch(`${sim.url}/api/v1/namespaces`);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { reason: string }).reason, "Unauthorized");
  const proto = await fetch(`${sim.url}/api/v1/namespaces/agents/configmaps`, { method: "POST",
    headers: { Authorization: `Bearer ${sim.token}`, "Content-Type": "application/vnd.kubernetes.protobuf" }, body: "k8s\0" });
  assert.equal(proto.status, 415);
  assert.match(((await proto.json()) as { message: string }).message, /protobuf/);
});
