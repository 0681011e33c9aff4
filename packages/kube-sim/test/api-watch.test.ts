// Watches through client-node's Watch and makeInformer: replay, bookmarks, timeouts, selector
// transitions, 410 Expired, and informer recovery after a forced 410.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CoreV1Api, KubeConfig, makeInformer, Watch } from "@kubernetes/client-node";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import type { KubeSim } from "../src/sim.ts";
import { CONFIGMAPS } from "../src/store/resources.ts";

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;

before(async () => {
  sim = await startKubeSim({ runtime: false, historyLimit: 50, bookmarkIntervalMs: 50 });
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});

after(async () => {
  await sim.stop();
});

interface Seen { type: string; name: string | undefined; rv: string | undefined; object: { metadata?: { name?: string; resourceVersion?: string } } }

/** Starts a watch and collects events; `until` resolves when done is called. */
async function collect(path: string, query: Record<string, string | number | boolean>) {
  const events: Seen[] = [];
  let resolveDone: (err: unknown) => void = () => {};
  const done = new Promise<unknown>((resolve) => { resolveDone = resolve; });
  const controller = await new Watch(kc).watch(path, query, (type, object) => {
    events.push({ type, name: object?.metadata?.name, rv: object?.metadata?.resourceVersion, object });
  }, (err) => resolveDone(err));
  return { events, done, controller };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function configMap(name: string, labels: Record<string, string> = {}): V1ConfigMap {
  return { metadata: { name, labels }, data: { k: "v" } };
}

test("a watch without resourceVersion starts with ADDED for existing objects, then live events", async () => {
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("w-existing") });
  const watch = await collect("/api/v1/namespaces/default/configmaps", { fieldSelector: "metadata.name!=nothing" });
  await waitFor(() => watch.events.some((e) => e.name === "w-existing"), "synthetic ADDED");
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("w-live") });
  await core.deleteNamespacedConfigMap({ name: "w-live", namespace: "default" });
  await waitFor(() => watch.events.some((e) => e.type === "DELETED" && e.name === "w-live"), "DELETED");
  assert.deepEqual(watch.events.filter((e) => e.name === "w-live").map((e) => e.type), ["ADDED", "DELETED"]);
  watch.controller.abort();
});

test("a watch from a resourceVersion replays exactly the later events", async () => {
  const first = await core.createNamespacedConfigMap({ namespace: "default", body: configMap("r-1") });
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("r-2") });
  await core.patchNamespacedConfigMap({ name: "r-1", namespace: "default", body: [{ op: "add", path: "/data/x", value: "y" }] });
  const watch = await collect("/api/v1/namespaces/default/configmaps", { resourceVersion: first.metadata?.resourceVersion ?? "" });
  await waitFor(() => watch.events.length >= 2, "two replayed events");
  assert.deepEqual(watch.events.map((e) => `${e.type} ${e.name}`), ["ADDED r-2", "MODIFIED r-1"]);
  watch.controller.abort();
});

test("label-selected watches see objects enter (ADDED) and leave (DELETED) the selection", async () => {
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("sel", { app: "off" }) });
  const watch = await collect("/api/v1/namespaces/default/configmaps", { labelSelector: "app=on", resourceVersion: String(sim.store.currentResourceVersion()) });
  sim.store.mutate(CONFIGMAPS, "default", "sel", (o) => { o.metadata.labels = { app: "on" }; });
  sim.store.mutate(CONFIGMAPS, "default", "sel", (o) => { o.data = { k: "2" }; });
  sim.store.mutate(CONFIGMAPS, "default", "sel", (o) => { o.metadata.labels = { app: "off" }; });
  await waitFor(() => watch.events.length >= 3, "three events");
  assert.deepEqual(watch.events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
  watch.controller.abort();
});

test("allowWatchBookmarks sends BOOKMARK events with the current resourceVersion; timeoutSeconds ends cleanly", async () => {
  const started = Date.now();
  const watch = await collect("/api/v1/namespaces/default/secrets", { allowWatchBookmarks: true, timeoutSeconds: 1 });
  const err = await watch.done;
  assert.equal(err, null, "a timed-out watch ends without an error");
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 2500, `ended after ${elapsed} ms`);
  const bookmarks = watch.events.filter((e) => e.type === "BOOKMARK");
  assert.ok(bookmarks.length >= 5, `got ${bookmarks.length} bookmarks`);
  assert.equal(bookmarks.at(-1)?.rv, String(sim.store.currentResourceVersion()));
});

test("a too-old resourceVersion gets one ERROR event with the 410 Expired Status, then the stream ends", async () => {
  for (let i = 0; i < 60; i++) sim.store.mutate(CONFIGMAPS, "default", "r-2", (o) => { o.data = { i: String(i) }; });
  const watch = await collect("/api/v1/namespaces/default/configmaps", { resourceVersion: "1" });
  assert.equal(await watch.done, null);
  assert.equal(watch.events.length, 1);
  assert.equal(watch.events[0]?.type, "ERROR");
  assert.deepEqual(watch.events[0]?.object, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: `too old resource version: 1 (${sim.store.oldestWatchableVersion(CONFIGMAPS)})`, reason: "Expired", code: 410 });
});

test("an informer re-lists after a forced 410 and keeps delivering", async () => {
  const path = "/api/v1/namespaces/default/configmaps";
  const informer = makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace: "default" }));
  const added: string[] = [];
  let errors = 0;
  informer.on("add", (o) => added.push(o.metadata?.name ?? ""));
  informer.on("error", () => { errors++; });
  await informer.start();
  await waitFor(() => sim.faults.openWatches() === 1, "the informer's watch");
  const listsBefore = sim.requests.count({ verb: "list", resource: "configmaps" });
  assert.equal(sim.faults.endWatches({ expired: true }), 1);
  await waitFor(() => sim.requests.count({ verb: "list", resource: "configmaps" }) > listsBefore, "a re-list");
  await waitFor(() => sim.faults.openWatches() === 1, "a new watch");
  await core.createNamespacedConfigMap({ namespace: "default", body: configMap("after-410") });
  await waitFor(() => added.includes("after-410"), "the informer to see a new object");
  assert.ok(informer.get("after-410", "default"));
  assert.equal(errors, 0);
  await informer.stop();
});
