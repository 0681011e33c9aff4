import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { CONFIGMAPS } from "kube-sim";
import { diffRelist, eventTransition, watchResources } from "../src/kube/watch.ts";
import type { WatchEventType, WatchResourcesOptions } from "../src/kube/watch.ts";
import type { KubeError } from "../src/kube/errors.ts";
import { configMap, startSimClient, waitFor } from "./kube-support.ts";
import type { SimClient } from "./kube-support.ts";

function cm(name: string, resourceVersion: string): V1ConfigMap {
  return { metadata: { name, resourceVersion } };
}

const diffCases: { name: string; cached: V1ConfigMap[]; listed: V1ConfigMap[]; expected: [WatchEventType, string, string][] }[] = [
  { name: "empty both", cached: [], listed: [], expected: [] },
  { name: "new object", cached: [], listed: [cm("a", "1")], expected: [["ADDED", "a", "1"]] },
  { name: "unchanged", cached: [cm("a", "1")], listed: [cm("a", "1")], expected: [] },
  { name: "changed version", cached: [cm("a", "1")], listed: [cm("a", "5")], expected: [["MODIFIED", "a", "5"]] },
  { name: "vanished keeps last state", cached: [cm("a", "1"), cm("b", "2")], listed: [cm("b", "2")], expected: [["DELETED", "a", "1"]] },
  { name: "mixed", cached: [cm("a", "1"), cm("b", "2"), cm("c", "3")], listed: [cm("b", "9"), cm("c", "3"), cm("d", "4")],
    expected: [["MODIFIED", "b", "9"], ["ADDED", "d", "4"], ["DELETED", "a", "1"]] },
  { name: "nameless items ignored", cached: [], listed: [{ metadata: {} }], expected: [] },
];
for (const c of diffCases) {
  test(`diffRelist: ${c.name}`, () => {
    const cached = new Map(c.cached.map((o) => [o.metadata?.name ?? "", o]));
    const events = diffRelist(cached, c.listed).map((e) => [e.type, e.object.metadata?.name, e.object.metadata?.resourceVersion]);
    assert.deepEqual(events, c.expected);
  });
}

const transitionCases: { name: string; cached: V1ConfigMap | undefined; type: WatchEventType; object: V1ConfigMap; expected: WatchEventType | null }[] = [
  { name: "ADDED new", cached: undefined, type: "ADDED", object: cm("a", "1"), expected: "ADDED" },
  { name: "ADDED already held at that version", cached: cm("a", "1"), type: "ADDED", object: cm("a", "1"), expected: null },
  { name: "ADDED held at another version", cached: cm("a", "1"), type: "ADDED", object: cm("a", "2"), expected: "MODIFIED" },
  { name: "MODIFIED not held", cached: undefined, type: "MODIFIED", object: cm("a", "3"), expected: "ADDED" },
  { name: "MODIFIED replayed", cached: cm("a", "3"), type: "MODIFIED", object: cm("a", "3"), expected: null },
  { name: "MODIFIED newer", cached: cm("a", "3"), type: "MODIFIED", object: cm("a", "4"), expected: "MODIFIED" },
  { name: "DELETED held", cached: cm("a", "3"), type: "DELETED", object: cm("a", "5"), expected: "DELETED" },
  { name: "DELETED not held", cached: undefined, type: "DELETED", object: cm("a", "5"), expected: null },
];
for (const c of transitionCases) {
  test(`eventTransition: ${c.name}`, () => assert.equal(eventTransition(c.cached, c.type, c.object), c.expected));
}

let client: SimClient;
before(async () => {
  client = await startSimClient({ bookmarkIntervalMs: 200 });
});
const running: AbortController[] = [];
after(async () => {
  for (const controller of running) controller.abort(); // also when a test failed half-way
  client.sim.faults.clear();
  await client.sim.stop();
});

type Recorded = { type: WatchEventType; name: string; resourceVersion: string };

/** Starts an informer on one namespace's configmaps, recording every event and error. */
function startInformer(namespace: string, overrides: Partial<WatchResourcesOptions<V1ConfigMap>> = {}) {
  const controller = new AbortController();
  const events: Recorded[] = [];
  const errors: KubeError[] = [];
  let synced = 0;
  running.push(controller);
  const handle = watchResources<V1ConfigMap>({
    kubeConfig: client.kubeConfig,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    labelSelector: "app=kube-test",
    signal: controller.signal,
    onEvent: (type, object) => events.push({ type, name: object.metadata?.name ?? "", resourceVersion: object.metadata?.resourceVersion ?? "" }),
    onSynced: () => synced++,
    onError: (error) => errors.push(error),
    silenceMs: 5000,
    backoff: { baseDelayMs: 50, maxDelayMs: 400 },
    list: () => client.core.listNamespacedConfigMap({ namespace, labelSelector: "app=kube-test" }),
    ...overrides,
  });
  return { controller, events, errors, handle, synced: () => synced };
}

function storeState(namespace: string): Record<string, string> {
  const items = client.sim.store.list(CONFIGMAPS, namespace, { labelSelector: "app=kube-test" }).items;
  return Object.fromEntries(items.map((o) => [o.metadata.name, String(o.metadata.resourceVersion)]));
}

function cacheState(informer: ReturnType<typeof startInformer>): Record<string, string> {
  return Object.fromEntries(informer.handle.cache.list().map((o) => [o.metadata?.name ?? "", o.metadata?.resourceVersion ?? ""]));
}

async function converged(namespace: string, informer: ReturnType<typeof startInformer>, what: string): Promise<void> {
  await waitFor(() => JSON.stringify(sorted(cacheState(informer))) === JSON.stringify(sorted(storeState(namespace))), `${what}: cache = store`, 8000);
  assert.deepEqual(sorted(cacheState(informer)), sorted(storeState(namespace)));
  const seen = new Set<string>();
  for (const event of informer.events) {
    const key = `${event.type} ${event.name} ${event.resourceVersion}`;
    assert.ok(!seen.has(key), `${what}: duplicate event ${key}`);
    seen.add(key);
  }
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

async function createNamespace(name: string): Promise<void> {
  await client.core.createNamespace({ body: { metadata: { name } } });
}

/** Three creates, a modify and a delete through the API, as a burst of changes. */
async function churn(namespace: string, prefix: string): Promise<void> {
  const { core } = client;
  for (const suffix of ["1", "2", "3"]) await core.createNamespacedConfigMap({ namespace, body: configMap(`${prefix}-${suffix}`) });
  await core.patchNamespacedConfigMap({ name: `${prefix}-1`, namespace, body: [{ op: "add", path: "/data", value: { changed: "yes" } }] });
  await core.deleteNamespacedConfigMap({ name: `${prefix}-2`, namespace });
}

test("list then watch: existing objects, then creates, modifies and deletes, in the cache and as events", { timeout: 15_000 }, async () => {
  await createNamespace("w-basic");
  await client.core.createNamespacedConfigMap({ namespace: "w-basic", body: configMap("before") });
  await client.core.createNamespacedConfigMap({ namespace: "w-basic", body: configMap("other-label", {}, { app: "else" }) });
  const informer = startInformer("w-basic");
  await waitFor(() => informer.synced() === 1, "the first list");
  assert.deepEqual(informer.events.map((e) => [e.type, e.name]), [["ADDED", "before"]]);
  await churn("w-basic", "c");
  await converged("w-basic", informer, "basic");
  const byName = (name: string) => informer.events.filter((e) => e.name === name).map((e) => e.type);
  assert.deepEqual(byName("c-1"), ["ADDED", "MODIFIED"]);
  assert.deepEqual(byName("c-2"), ["ADDED", "DELETED"]);
  assert.equal(informer.handle.cache.get("c-1")?.data?.changed, "yes");
  assert.equal(informer.handle.cache.get("c-2"), undefined);
  informer.controller.abort();
  await informer.handle.done;
  assert.equal(informer.synced(), 1, "onSynced fires once");
});

test("410 on the watch: re-list replays what changed while nobody watched (DELETED synthesised)", { timeout: 15_000 }, async () => {
  await createNamespace("w-gone");
  for (const name of ["keep", "change", "vanish"]) await client.core.createNamespacedConfigMap({ namespace: "w-gone", body: configMap(name) });
  let lists = 0;
  let releaseRelist: () => void = () => {};
  const relistGate = new Promise<void>((resolve) => { releaseRelist = resolve; });
  const informer = startInformer("w-gone", {
    list: async () => {
      lists++;
      if (lists === 2) await relistGate; // the changes below happen while no watch is open
      return client.core.listNamespacedConfigMap({ namespace: "w-gone", labelSelector: "app=kube-test" });
    },
  });
  await waitFor(() => informer.synced() === 1 && client.sim.faults.endWatches({ expired: true }) > 0, "a watch to expire");
  await waitFor(() => lists === 2, "the re-list after 410");
  const before = informer.events.length;
  await client.core.deleteNamespacedConfigMap({ name: "vanish", namespace: "w-gone" });
  await client.core.patchNamespacedConfigMap({ name: "change", namespace: "w-gone", body: [{ op: "add", path: "/data", value: { v: "2" } }] });
  await client.core.createNamespacedConfigMap({ namespace: "w-gone", body: configMap("appear") });
  releaseRelist();
  await converged("w-gone", informer, "after 410");
  assert.deepEqual(informer.events.slice(before).map((e) => [e.type, e.name]).sort(), [["ADDED", "appear"], ["DELETED", "vanish"], ["MODIFIED", "change"]]);
  assert.ok(informer.errors.some((e) => e.kind === "gone"), "the 410 was reported");
  informer.controller.abort();
  await informer.handle.done;
});

for (const fault of ["endWatches silently", "restartServer", "partition"] as const) {
  test(`${fault}: changes during and after the fault all reach the cache, each exactly once`, { timeout: 20_000 }, async () => {
    const namespace = `w-${fault.replace(/\s+/g, "-").toLowerCase()}`;
    await createNamespace(namespace);
    const informer = startInformer(namespace);
    await waitFor(() => informer.synced() === 1, "the first list");
    await churn(namespace, "pre");
    await waitFor(() => informer.events.some((e) => e.name === "pre-2" && e.type === "DELETED"), "the watch to deliver the churn");
    if (fault === "endWatches silently") client.sim.faults.endWatches({ expired: false });
    if (fault === "restartServer") await client.sim.faults.restartServer();
    if (fault === "partition") client.sim.faults.partition(500);
    // In-process changes: they land while the watch is down (the API refuses a partitioned client).
    client.sim.store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "during", namespace, labels: { app: "kube-test" } } });
    client.sim.store.delete(CONFIGMAPS, namespace, "pre-3");
    await waitFor(async () => {
      try {
        await client.core.listNamespacedConfigMap({ namespace });
        return true;
      } catch {
        return false;
      }
    }, "the API to answer again");
    await churn(namespace, "post");
    await converged(namespace, informer, fault);
    informer.controller.abort();
    await informer.handle.done;
  });
}

test("silence longer than silenceMs forces a fresh list", { timeout: 15_000 }, async () => {
  await createNamespace("w-silent");
  let lists = 0;
  client.sim.faults.addLatency({ path: "w-silent/configmaps.*watch=true", ms: 2000, count: 1 }); // longer than silenceMs; bounded so the stuck request ends
  const informer = startInformer("w-silent", {
    silenceMs: 300,
    list: async () => {
      lists++;
      return client.core.listNamespacedConfigMap({ namespace: "w-silent", labelSelector: "app=kube-test" });
    },
  });
  await waitFor(() => lists >= 2, "a second list after the hung watch went silent");
  await client.core.createNamespacedConfigMap({ namespace: "w-silent", body: configMap("after-silence") });
  await converged("w-silent", informer, "after silence");
  informer.controller.abort();
  await informer.handle.done;
  // kube-sim leaks a watch's bookmark timer if it is stopped while a delayed watch is pending:
  // let the delayed request be served (and closed by our abort) first.
  await waitFor(() => client.sim.requests.find({ verb: "watch", namespace: "w-silent" }).some((r) => r.durationMs >= 1900), "the delayed watch to end");
});

test("abort stops everything: no more requests, no more events, done resolves", { timeout: 15_000 }, async () => {
  await createNamespace("w-abort");
  const informer = startInformer("w-abort");
  await client.core.createNamespacedConfigMap({ namespace: "w-abort", body: configMap("before-abort") });
  await waitFor(() => informer.events.some((e) => e.name === "before-abort"), "the watch to deliver an ADDED");
  client.sim.faults.failRequests({ code: 503, count: 1000, path: "w-abort/configmaps" });
  client.sim.faults.endWatches({ expired: false }); // the informer is now backing off between failures
  await waitFor(() => informer.errors.length > 0, "a failure to back off from");
  informer.controller.abort();
  const abortedAt = Date.now();
  await informer.handle.done;
  const eventsAtAbort = informer.events.length;
  client.sim.faults.clear();
  await client.core.createNamespacedConfigMap({ namespace: "w-abort", body: configMap("after-abort") });
  await new Promise((resolve) => setTimeout(resolve, 600)); // longer than the maximum backoff (400 ms)
  const late = client.sim.requests.find({ namespace: "w-abort", resource: "configmaps" }).filter((r) => r.time > abortedAt + 20 && r.verb !== "create");
  assert.deepEqual(late.map((r) => `${r.verb} ${r.path}`), []);
  assert.equal(informer.events.length, eventsAtAbort);
});
