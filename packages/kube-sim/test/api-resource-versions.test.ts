// Watch windows and list resourceVersions as a real 1.31 apiserver answers them, through
// client-node: the window starts at server start and holds a bounded number of events per type
// (and only for a while), a watch from before it gets one ERROR 410 and ends, an object leaving a
// selector goes out as DELETED with its last matching state, a list at a future version waits and
// answers 504 Too large resource version, and an Exact list at a compacted version answers 410.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApiException, CoreV1Api, KubeConfig, makeInformer, Watch } from "@kubernetes/client-node";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import type { KubeSim, KubeSimOptions } from "../src/sim.ts";
import { CONFIGMAPS, SECRETS } from "../src/store/resources.ts";

const CM_PATH = "/api/v1/namespaces/default/configmaps";
const sims: KubeSim[] = [];

async function simWith(options: KubeSimOptions): Promise<{ sim: KubeSim; kc: KubeConfig; core: CoreV1Api }> {
  const sim = await startKubeSim({ runtime: false, ...options });
  sims.push(sim);
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  return { sim, kc, core: kc.makeApiClient(CoreV1Api) };
}

let main: Awaited<ReturnType<typeof simWith>>;
before(async () => { main = await simWith({}); });
after(async () => { for (const sim of sims) await sim.stop(); });

interface Seen { type: string; object: Record<string, unknown> & { metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string> } } }

/** Watches until `until(events)` or the stream ends; resolves with what was seen and how it ended. */
async function watchUntil(kc: KubeConfig, query: Record<string, string>, until: (events: Seen[]) => boolean,
  timeoutMs = 5000): Promise<{ events: Seen[]; ended: unknown }> {
  const events: Seen[] = [];
  let finish: (ended: unknown) => void = () => {};
  const done = new Promise<unknown>((resolve) => { finish = resolve; });
  const controller = await new Watch(kc).watch(CM_PATH, query, (type, object) => {
    events.push({ type, object });
    if (until(events)) finish("enough");
  }, (err) => finish(err));
  const timer = setTimeout(() => finish("timeout"), timeoutMs);
  const ended = await done;
  clearTimeout(timer);
  controller.abort();
  return { events, ended };
}

async function failureOf(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
  return { code: error.code, body: JSON.parse(String(error.body)) as Record<string, unknown>, headers: error.headers };
}

function configMap(name: string, labels: Record<string, string> = {}, data: Record<string, string> = { k: "v" }): V1ConfigMap {
  return { metadata: { name, labels }, data };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("the window starts when the server starts: a watch from a bootstrap version gets ERROR 410 and ends", async () => {
  const { sim, kc, core } = await simWith({});
  const started = (await core.listNamespace()).metadata?.resourceVersion ?? "";
  assert.ok(Number(started) >= 2, "the bootstrap namespaces have versions");
  const old = await watchUntil(kc, { resourceVersion: "1" }, () => false);
  assert.equal(old.ended, null, "the stream ends cleanly after the ERROR");
  assert.deepEqual(old.events, [{ type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `too old resource version: 1 (${started})`, reason: "Expired", code: 410 } }]);
  const fromStart = watchUntil(kc, { resourceVersion: started }, (events) => events.length >= 1);
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("after-start") });
  const replay = await fromStart;
  assert.deepEqual(replay.events.map((e) => `${e.type} ${e.object.metadata?.name}`), ["ADDED after-start"]);
  assert.equal(sim.store.oldestWatchableVersion(CONFIGMAPS), Number(started));
  const fromZero = await watchUntil(kc, { resourceVersion: "0" }, (events) => events.length >= 1);
  assert.deepEqual(fromZero.events.map((e) => `${e.type} ${e.object.metadata?.name}`), ["ADDED after-start"],
    "resourceVersion 0 still starts from the current state");
});

test("the window holds 100 events per resource type by default; other types do not push them out", async () => {
  const { sim, kc, core } = await simWith({});
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("busy") });
  const before = String(sim.store.currentResourceVersion());
  for (let i = 0; i < 100; i++) {
    await core.patchNamespacedConfigMap({ name: "busy", namespace: "default", body: [{ op: "replace", path: "/data/k", value: String(i) }] });
  }
  for (let i = 0; i < 150; i++) sim.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: `s-${i}`, namespace: "default" } });
  const full = await watchUntil(kc, { resourceVersion: before }, (events) => events.length >= 100);
  assert.equal(full.events.length, 100, "100 configmap events are still replayable");
  assert.equal(full.events[0]?.object.metadata?.resourceVersion, String(Number(before) + 1));
  assert.ok(full.events.every((e) => e.type === "MODIFIED"));
  await core.patchNamespacedConfigMap({ name: "busy", namespace: "default", body: [{ op: "replace", path: "/data/k", value: "101" }] });
  const gone = await watchUntil(kc, { resourceVersion: before }, () => false);
  const firstKept = Number(full.events[0]?.object.metadata?.resourceVersion);
  assert.equal(gone.events.length, 1);
  assert.deepEqual(gone.events[0]?.object, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `too old resource version: ${before} (${firstKept})`, reason: "Expired", code: 410 });
});

test("historyMaxAgeMs: events leave the window with age; a watch from before them gets 410", async () => {
  const { sim, kc, core } = await simWith({ historyMaxAgeMs: 200 });
  const before = String(sim.store.currentResourceVersion());
  const created = await core.createNamespacedConfigMap({ namespace: "default", body: configMap("ageing") });
  await waitFor(() => sim.store.oldestWatchableVersion(CONFIGMAPS) > Number(before), "the event to age out", 10_000);
  const gone = await watchUntil(kc, { resourceVersion: before }, () => false);
  assert.deepEqual(gone.events.map((e) => [e.type, e.object.message]),
    [["ERROR", `too old resource version: ${before} (${created.metadata?.resourceVersion})`]]);
  const current = await watchUntil(kc, { resourceVersion: created.metadata?.resourceVersion ?? "" }, (events) => events.length > 0, 300);
  assert.equal(current.ended, "timeout", "a watch from the newest version is still fine (it just waits)");
  assert.deepEqual(current.events, []);
});

test("an informer whose watch resumes after the window moved on meets a real 410 and re-lists", { timeout: 15_000 }, async () => {
  const { sim, kc, core } = await simWith({ historyLimit: 5 });
  const informer = makeInformer(kc, CM_PATH, () => core.listNamespacedConfigMap({ namespace: "default" }));
  const added: string[] = [];
  const errors: unknown[] = [];
  informer.on("add", (o) => added.push(o.metadata?.name ?? ""));
  informer.on("error", (error) => errors.push(error));
  await informer.start();
  try {
    await waitFor(() => sim.faults.openWatches() === 1, "the informer's watch");
    const lists = sim.requests.count({ verb: "list", resource: "configmaps" });
    // The watch ends without any 410; the writes below land before client-node can watch again
    // (same process, synchronous), so it resumes from a version 10 events back, 5 past the window.
    sim.faults.endWatches({ expired: false });
    for (let i = 0; i < 10; i++) sim.store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `n-${i}`, namespace: "default" } });
    await waitFor(() => added.length === 10, `the informer to deliver all 10 (has ${added.join(", ")})`);
    assert.ok(sim.requests.count({ verb: "list", resource: "configmaps" }) > lists, "it re-listed: only a 410 makes client-node do that");
    assert.deepEqual(errors, []);
  } finally {
    await informer.stop();
  }
});

test("an object leaving a label selector is DELETED with its last matching state and the event's resourceVersion", async () => {
  const { core, kc } = main;
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("leaver", { app: "on" }, { k: "1" }) });
  const watch = watchUntil(kc, { labelSelector: "app=on" }, (events) => events.some((e) => e.type === "DELETED"));
  const changed = await core.replaceNamespacedConfigMap({ name: "leaver", namespace: "default",
    body: configMap("leaver", { app: "off" }, { k: "2" }) });
  const { events } = await watch;
  assert.deepEqual(events.map((e) => e.type), ["ADDED", "DELETED"]);
  const deleted = events[1]?.object;
  assert.equal(deleted?.kind, "ConfigMap", "watch event objects keep kind and apiVersion");
  assert.deepEqual(deleted?.metadata?.labels, { app: "on" });
  assert.deepEqual(deleted?.data, { k: "1" });
  assert.equal(deleted?.metadata?.resourceVersion, changed.metadata?.resourceVersion);
});

test("a list at a future resourceVersion waits 3 s, then 504 Too large resource version with Retry-After", { timeout: 15_000 }, async () => {
  const { core, sim } = main;
  const current = sim.store.currentResourceVersion();
  const startedAt = Date.now();
  const failure = await failureOf(core.listNamespacedConfigMap({ namespace: "default", resourceVersion: String(current + 500) }));
  const waited = Date.now() - startedAt;
  assert.ok(waited >= 2900, `answered after ${waited} ms`);
  assert.equal(failure.code, 504);
  assert.deepEqual(failure.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `Timeout: Too large resource version: ${current + 500}, current: ${current}`, reason: "Timeout",
    details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 }, code: 504 });
  assert.equal(failure.headers["retry-after"], "1");
});

test("a list at a version the server reaches while it waits answers 200 with that state", { timeout: 15_000 }, async () => {
  const { core, sim } = main;
  const next = sim.store.currentResourceVersion() + 1;
  const listed = core.listNamespacedConfigMap({ namespace: "default", resourceVersion: String(next) });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("caught-up") });
  const list = await listed;
  assert.ok(Number(list.metadata?.resourceVersion) >= next);
  assert.ok(list.items.some((c) => c.metadata?.name === "caught-up"));
});

test("resourceVersionMatch=Exact: the state at that version; 410 once compacted; 422 without a version", async () => {
  const { core, sim } = main;
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("exact", {}, { k: "old" }) });
  const at = String(sim.store.currentResourceVersion());
  await core.patchNamespacedConfigMap({ name: "exact", namespace: "default", body: [{ op: "replace", path: "/data/k", value: "new" }] });
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("exact-later") });
  const then = await core.listNamespacedConfigMap({ namespace: "default", resourceVersion: at, resourceVersionMatch: "Exact" });
  assert.equal(then.metadata?.resourceVersion, at);
  assert.deepEqual(then.items.find((c) => c.metadata?.name === "exact")?.data, { k: "old" });
  assert.equal(then.items.some((c) => c.metadata?.name === "exact-later"), false);
  const compacted = await failureOf(core.listNamespacedConfigMap({ namespace: "default", resourceVersion: "1", resourceVersionMatch: "Exact" }));
  assert.equal(compacted.code, 410);
  assert.deepEqual(compacted.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: "The resourceVersion for the provided list is too old.", reason: "Expired", code: 410 });
  const notOlderThan = await core.listNamespacedConfigMap({ namespace: "default", resourceVersion: "1", resourceVersionMatch: "NotOlderThan" });
  assert.equal(notOlderThan.metadata?.resourceVersion, String(sim.store.currentResourceVersion()), "NotOlderThan an old version is the current state");
  const page = await core.listNamespacedConfigMap({ namespace: "default", limit: 1 });
  const withContinue = await failureOf(core.listNamespacedConfigMap({ namespace: "default", limit: 1, _continue: page.metadata?._continue ?? "",
    resourceVersion: at }));
  assert.deepEqual([withContinue.code, withContinue.body.reason, withContinue.body.message],
    [400, "BadRequest", "specifying resource version is not allowed when using continue"]);
  const invalid = await failureOf(core.listNamespacedConfigMap({ namespace: "default", resourceVersionMatch: "Exact" }));
  assert.equal(invalid.code, 422);
  const forbidden = "resourceVersionMatch is forbidden unless resourceVersion is provided";
  assert.deepEqual(invalid.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: ${forbidden}`, reason: "Invalid",
    details: { group: "meta.k8s.io", kind: "ListOptions", causes: [{ reason: "FieldValueForbidden",
      message: `Forbidden: ${forbidden}`, field: "resourceVersionMatch" }] }, code: 422 });
});
