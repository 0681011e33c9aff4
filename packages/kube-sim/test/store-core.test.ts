import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../src/store/memory-store.ts";
import { StatusError } from "../src/store/errors.ts";
import { CONFIGMAPS, JOBS, NAMESPACES, PODS, SECRETS } from "../src/store/resources.ts";
import type { KubeObject, StatusBody, StoreEvent } from "../src/store/types.ts";

function job(name: string, extra: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "default", ...extra },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } } } };
}

function pod(name: string, ownerUid?: string, finalizers?: string[]): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default",
    ...(ownerUid ? { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: ownerUid, controller: true, blockOwnerDeletion: true }] } : {}),
    ...(finalizers ? { finalizers } : {}) },
  spec: { containers: [{ name: "main", image: "busybox" }] } };
}

function statusOf(fn: () => unknown): StatusBody {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StatusError, `expected a StatusError, got ${String(error)}`);
    return error.status;
  }
  assert.fail("expected the call to throw a StatusError");
}

function recordEvents(store: MemoryStore, since?: number): StoreEvent[] {
  const events: StoreEvent[] = [];
  store.watch(undefined, undefined, since, (e) => events.push(e));
  return events;
}

test("namespaces default and kube-system exist at start", () => {
  const store = new MemoryStore();
  assert.deepEqual(store.list(NAMESPACES, undefined).items.map((n) => n.metadata.name), ["default", "kube-system"]);
});

test("create assigns uid, resourceVersion, creationTimestamp, generation and Job defaults", () => {
  const store = new MemoryStore();
  const before = store.currentResourceVersion();
  const created = store.create(JOBS, job("run-1"));
  const uid = created.metadata.uid ?? "";
  assert.match(uid, /^[0-9a-f-]{36}$/);
  assert.equal(created.metadata.resourceVersion, String(before + 1));
  assert.match(created.metadata.creationTimestamp ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created.metadata.generation, 1);
  const spec = created.spec as Record<string, unknown>;
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.completions, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.deepEqual(spec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
  assert.deepEqual((spec.template as { metadata: unknown }).metadata, { labels: {
    "controller-uid": uid, "job-name": "run-1", "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "run-1" } });
  assert.deepEqual(created.status, {});
});

test("generateName appends 5 random lowercase alphanumerics", () => {
  const store = new MemoryStore();
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) names.add(store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap",
    metadata: { generateName: "cfg-", namespace: "default" } }).metadata.name ?? "");
  assert.equal(names.size, 20);
  for (const name of names) assert.match(name, /^cfg-[a-z0-9]{5}$/);
});

test("create errors: 409 AlreadyExists, 404 namespace, 422 names", () => {
  const store = new MemoryStore();
  store.create(JOBS, job("run-1"));
  assert.deepEqual(statusOf(() => store.create(JOBS, job("run-1"))), { kind: "Status", apiVersion: "v1", metadata: {},
    status: "Failure", message: 'jobs.batch "run-1" already exists', reason: "AlreadyExists",
    details: { name: "run-1", group: "batch", kind: "jobs" }, code: 409 });
  const missing = statusOf(() => store.create(JOBS, job("x", { namespace: "nowhere" })));
  assert.equal(missing.code, 404);
  assert.equal(missing.message, 'namespaces "nowhere" not found');
  const bad = statusOf(() => store.create(JOBS, job("Bad_Name")));
  assert.equal(bad.code, 422);
  assert.equal(bad.reason, "Invalid");
  assert.match(bad.message, /^Job\.batch "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  assert.deepEqual(bad.details?.kind, "Job");
  assert.equal((bad.details?.causes as { field: string }[])[0]?.field, "metadata.name");
  const long = statusOf(() => store.create(JOBS, job("a".repeat(64))));
  assert.equal(long.code, 422);
  assert.match(long.message, /must be no more than 63 characters/);
  assert.equal(store.create(PODS, pod("p".repeat(64))).metadata.name?.length, 64);
});

test("Secrets: stringData merges into data as base64; keys and the 1 MiB total are validated", () => {
  const store = new MemoryStore();
  const secret = store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" },
    data: { a: Buffer.from("x").toString("base64") }, stringData: { token: "sk-123" } });
  assert.deepEqual(secret.data, { a: "eA==", token: Buffer.from("sk-123").toString("base64") });
  assert.equal(secret.stringData, undefined);
  const big = Buffer.alloc(1_048_577, 1).toString("base64");
  const tooLong = statusOf(() => store.create(SECRETS, { apiVersion: "v1", kind: "Secret",
    metadata: { name: "big", namespace: "default" }, data: { blob: big } }));
  assert.equal(tooLong.code, 422);
  assert.deepEqual((tooLong.details?.causes as unknown[])[0], { reason: "FieldValueTooLong",
    message: "Too long: must have at most 1048576 bytes", field: "data" });
  const exact = Buffer.alloc(1_048_576, 1).toString("base64");
  assert.ok(store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "ok", namespace: "default" }, data: { blob: exact } }));
  assert.equal(statusOf(() => store.create(SECRETS, { apiVersion: "v1", kind: "Secret",
    metadata: { name: "k", namespace: "default" }, stringData: { "bad key": "v" } })).code, 422);
});

test("update: stale resourceVersion → 409 Conflict with the real message; status only via subresource", () => {
  const store = new MemoryStore();
  const created = store.create(JOBS, job("run-1"));
  const updated = store.update(JOBS, { ...created, metadata: { ...created.metadata, labels: { a: "b" } }, status: { active: 9 } });
  assert.deepEqual(updated.status, {});
  assert.equal(updated.metadata.generation, 1, "metadata-only change keeps generation");
  assert.deepEqual(statusOf(() => store.update(JOBS, created)), { kind: "Status", apiVersion: "v1", metadata: {},
    status: "Failure", reason: "Conflict", code: 409, details: { name: "run-1", group: "batch", kind: "jobs" },
    message: 'Operation cannot be fulfilled on jobs.batch "run-1": the object has been modified; please apply your changes to the latest version and try again' });
  const withStatus = store.update(JOBS, { ...updated, status: { active: 1 } }, { subresource: "status" });
  assert.deepEqual(withStatus.status, { active: 1 });
  assert.deepEqual(withStatus.metadata.labels, { a: "b" });
  const respec = store.update(JOBS, { ...withStatus, spec: { ...(withStatus.spec as object), parallelism: 2 } });
  assert.equal(respec.metadata.generation, 2);
  const noop = store.update(JOBS, respec);
  assert.equal(noop.metadata.resourceVersion, respec.metadata.resourceVersion, "a no-op write commits nothing");
});

test("list: namespace scoping, label selector, limit and continue", () => {
  const store = new MemoryStore();
  store.create(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: "agents" } });
  for (const [ns, name, app] of [["default", "a", "x"], ["default", "b", "y"], ["agents", "c", "x"], ["default", "d", "x"]] as const) {
    store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, labels: { app } } });
  }
  assert.deepEqual(store.list(CONFIGMAPS, "default").items.map((o) => o.metadata.name), ["a", "b", "d"]);
  assert.deepEqual(store.list(CONFIGMAPS, undefined, { labelSelector: "app=x" }).items.map((o) => o.metadata.name), ["c", "a", "d"]);
  const first = store.list(CONFIGMAPS, "default", { limit: 2 });
  assert.deepEqual(first.items.map((o) => o.metadata.name), ["a", "b"]);
  assert.ok(first.continue);
  const second = store.list(CONFIGMAPS, "default", { limit: 2, continue: first.continue });
  assert.deepEqual(second.items.map((o) => o.metadata.name), ["d"]);
  assert.equal(second.continue, undefined);
  assert.equal(second.resourceVersion, first.resourceVersion);
});

test("finalizers: delete sets deletionTimestamp (MODIFIED); removing the last finalizer completes it (DELETED)", () => {
  const store = new MemoryStore();
  store.create(PODS, pod("p", undefined, ["example.com/hold"]));
  const events = recordEvents(store);
  const deleting = store.delete(PODS, "default", "p");
  assert.ok(deleting.metadata.deletionTimestamp);
  assert.deepEqual(store.get(PODS, "default", "p").metadata.finalizers, ["example.com/hold"]);
  store.mutate(PODS, "default", "p", (o) => { o.metadata.finalizers = []; });
  assert.equal(store.tryGet(PODS, "default", "p"), undefined);
  assert.deepEqual(events.map((e) => e.type), ["MODIFIED", "DELETED"]);
});

test("delete propagation: Job default Orphan removes owner references and answers the Job with the orphan finalizer", () => {
  const store = new MemoryStore();
  const owner = store.create(JOBS, job("j"));
  store.create(PODS, pod("j-abcde", owner.metadata.uid));
  const answer = store.delete(JOBS, "default", "j");
  assert.deepEqual(answer.metadata.finalizers, ["orphan"]);
  assert.equal(store.tryGet(JOBS, "default", "j"), undefined);
  assert.equal(store.get(PODS, "default", "j-abcde").metadata.ownerReferences, undefined);
});

test("delete propagation: Background removes the owner now and leaves dependents for the GC", () => {
  const store = new MemoryStore();
  const owner = store.create(JOBS, job("j"));
  store.create(PODS, pod("j-abcde", owner.metadata.uid));
  store.delete(JOBS, "default", "j", { propagationPolicy: "Background" });
  assert.equal(store.tryGet(JOBS, "default", "j"), undefined);
  assert.equal(store.get(PODS, "default", "j-abcde").metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
});

test("delete propagation: Foreground keeps the owner until its foregroundDeletion finalizer is removed", () => {
  const store = new MemoryStore();
  const owner = store.create(JOBS, job("j"));
  store.create(PODS, pod("j-abcde", owner.metadata.uid));
  const answer = store.delete(JOBS, "default", "j", { propagationPolicy: "Foreground" });
  assert.deepEqual(answer.metadata.finalizers, ["foregroundDeletion"]);
  assert.ok(store.get(JOBS, "default", "j").metadata.deletionTimestamp);
  store.delete(PODS, "default", "j-abcde");
  store.mutate(JOBS, "default", "j", (o) => { o.metadata.finalizers = []; });
  assert.equal(store.tryGet(JOBS, "default", "j"), undefined);
  const lonely = store.create(JOBS, job("k"));
  store.delete(JOBS, "default", "k", { propagationPolicy: "Foreground", preconditions: { uid: lonely.metadata.uid } });
  assert.equal(store.tryGet(JOBS, "default", "k"), undefined, "no dependents: nothing to wait for");
});

test("delete preconditions and 404", () => {
  const store = new MemoryStore();
  store.create(JOBS, job("j"));
  const mismatch = statusOf(() => store.delete(JOBS, "default", "j", { preconditions: { uid: "nope" } }));
  assert.equal(mismatch.code, 409);
  assert.match(mismatch.message, /Precondition failed: UID in precondition: nope/);
  assert.deepEqual(statusOf(() => store.get(JOBS, "default", "nope")).message, 'jobs.batch "nope" not found');
  assert.deepEqual(statusOf(() => store.delete(PODS, "default", "nope")).details, { name: "nope", kind: "pods" });
});

test("watch replays from a resourceVersion, then delivers live events in order, and 410s when too old", () => {
  const store = new MemoryStore({ historyLimit: 5 });
  const start = store.currentResourceVersion();
  store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
  const events: StoreEvent[] = [];
  const stop = store.watch(CONFIGMAPS, "default", start, (e) => {
    events.push(e);
    // A watcher that writes from its callback must not reorder what others see.
    if (e.type === "ADDED" && e.object.metadata.name === "b") store.delete(CONFIGMAPS, "default", "b");
  });
  store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "default" } });
  store.create(PODS, pod("ignored"));
  stop();
  store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } });
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED a", "ADDED b", "DELETED b"]);
  assert.deepEqual(events.map((e) => e.resourceVersion), [start + 1, start + 2, start + 3]);
  for (let i = 0; i < 6; i++) store.mutate(CONFIGMAPS, "default", "c", (o) => { o.data = { i: String(i) }; });
  const oldest = store.oldestWatchableVersion(CONFIGMAPS);
  assert.ok(oldest > start);
  const tooOld = statusOf(() => store.watch(CONFIGMAPS, undefined, start, () => {}));
  assert.deepEqual(tooOld, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `too old resource version: ${start} (${oldest})`, reason: "Expired", code: 410 });
  assert.equal(recordEvents(store, oldest).length, 5);
});

test("history keeps every committed version of one object", () => {
  const store = new MemoryStore();
  store.create(PODS, pod("p"));
  store.update(PODS, { ...store.get(PODS, "default", "p"), status: { phase: "Running" } }, { subresource: "status" });
  store.delete(PODS, "default", "p");
  const history = store.history(PODS, "default", "p");
  assert.deepEqual(history.map((e) => [e.type, (e.object.status as { phase: string }).phase]),
    [["ADDED", "Pending"], ["MODIFIED", "Running"], ["DELETED", "Running"]]);
});

test("deleting a namespace deletes what is in it", () => {
  const store = new MemoryStore();
  store.create(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: "tmp" } });
  store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "tmp" } });
  store.delete(NAMESPACES, undefined, "tmp");
  assert.equal(store.list(CONFIGMAPS, "tmp").items.length, 0);
  assert.equal(store.tryGet(NAMESPACES, undefined, "tmp"), undefined);
});
