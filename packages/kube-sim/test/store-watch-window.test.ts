// The store's watch window (per resource type, bounded by count and by age, starting after the
// bootstrap), Exact reads of past versions, and the omitempty rewrite: pure store behaviour with
// a fake clock, table-driven.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../src/store/memory-store.ts";
import { StatusError } from "../src/store/errors.ts";
import { omitEmpty } from "../src/store/omitempty.ts";
import { CONFIGMAPS, PODS, SECRETS } from "../src/store/resources.ts";
import type { KubeObject } from "../src/store/types.ts";

function clockedStore(options: { historyLimit?: number; historyMaxAgeMs?: number }) {
  let nowMs = 1_700_000_000_000;
  const store = new MemoryStore({ ...options, now: () => new Date(nowMs) });
  const configMap = (name: string, data: Record<string, string> = {}) => store.create(CONFIGMAPS,
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data });
  return { store, configMap, advance: (ms: number) => { nowMs += ms; } };
}

function expiredMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StatusError && error.code === 410, `expected 410, got ${String(error)}`);
    return error.status.message;
  }
  assert.fail("expected 410 Expired");
}

test("the window starts after the bootstrap: its namespaces cannot be replayed", () => {
  const { store } = clockedStore({});
  const start = store.currentResourceVersion();
  assert.equal(start, 2, "default and kube-system");
  for (const resource of [CONFIGMAPS, PODS, undefined]) assert.equal(store.oldestWatchableVersion(resource), start);
  assert.equal(expiredMessage(() => store.watch(PODS, undefined, 1, () => {})), "too old resource version: 1 (2)");
  assert.doesNotThrow(() => store.watch(PODS, undefined, start, () => {})());
});

const WINDOW_CASES = [
  { name: "count: the 4th event of a type pushes out its 1st", historyLimit: 3, steps: [0, 0, 0, 0], expectOldest: 1 },
  { name: "count: 3 events fit", historyLimit: 3, steps: [0, 0, 0], expectOldest: 0 },
  { name: "age: an event past maxAge leaves", historyMaxAgeMs: 1000, steps: [0, 500], after: 700, expectOldest: 1 },
  { name: "age: every event past maxAge leaves", historyMaxAgeMs: 1000, steps: [0, 500], after: 1600, expectOldest: 2 },
  { name: "age: younger events stay", historyMaxAgeMs: 1000, steps: [0, 500], after: 400, expectOldest: 0 },
];

for (const c of WINDOW_CASES) {
  test(`window bounds — ${c.name}`, () => {
    const { store, configMap, advance } = clockedStore(c);
    const start = store.currentResourceVersion();
    c.steps.forEach((wait, i) => { advance(wait); configMap(`c${i}`); });
    advance(c.after ?? 0);
    // expectOldest counts configmap events dropped: the window starts after the last one dropped.
    assert.equal(store.oldestWatchableVersion(CONFIGMAPS), start + c.expectOldest);
    assert.equal(store.oldestWatchableVersion(SECRETS), start, "other types keep their own window");
    assert.equal(store.oldestWatchableVersion(), start + c.expectOldest, "a watch on every type needs every window");
  });
}

test("Exact lists read the state at a past version, and 410 once it has left the window", () => {
  const { store, configMap } = clockedStore({ historyLimit: 3 });
  configMap("a", { v: "1" });
  const at = store.currentResourceVersion();
  store.mutate(CONFIGMAPS, "default", "a", (o) => { o.data = { v: "2" }; });
  configMap("b");
  const then = store.list(CONFIGMAPS, "default", { resourceVersion: at, resourceVersionMatch: "Exact" });
  assert.equal(then.resourceVersion, String(at));
  assert.deepEqual(then.items.map((o) => [o.metadata.name, o.data]), [["a", { v: "1" }]]);
  store.delete(CONFIGMAPS, "default", "a");
  store.mutate(CONFIGMAPS, "default", "b", (o) => { o.data = { v: "2" }; });
  assert.equal(expiredMessage(() => store.list(CONFIGMAPS, "default", { resourceVersion: at, resourceVersionMatch: "Exact" })),
    "The resourceVersion for the provided list is too old.");
  assert.deepEqual(store.list(CONFIGMAPS, "default", { resourceVersion: at, resourceVersionMatch: "NotOlderThan" })
    .items.map((o) => o.metadata.name), ["b"]);
});

const OMIT_CASES: { name: string; input: Record<string, unknown>; expected: Record<string, unknown> }[] = [
  { name: "metadata: empty maps and lists, zero generation, nulls",
    input: { kind: "ConfigMap", metadata: { name: "x", labels: {}, annotations: {}, finalizers: [], generation: 0, deletionTimestamp: null } },
    expected: { kind: "ConfigMap", metadata: { name: "x" } } },
  { name: "Job status: int32 zeros and empty conditions go, *int32 zeros stay",
    input: { kind: "Job", metadata: {}, status: { active: 0, succeeded: 2, failed: 0, ready: 0, terminating: 0, conditions: [],
      uncountedTerminatedPods: { succeeded: [], failed: [] }, startTime: null } },
    expected: { kind: "Job", metadata: {}, status: { succeeded: 2, ready: 0, terminating: 0, uncountedTerminatedPods: {} } } },
  { name: "Job template: containers' empty lists and env values",
    input: { kind: "Job", metadata: {}, spec: { template: { metadata: { labels: {} }, spec: { volumes: [],
      containers: [{ name: "m", args: [], env: [{ name: "E", value: "" }], resources: {} }] } } } },
    expected: { kind: "Job", metadata: {}, spec: { template: { metadata: {}, spec: {
      containers: [{ name: "m", env: [{ name: "E" }], resources: {} }] } } } } },
  { name: "Pod container status: restartCount, ready, imageID have no omitempty",
    input: { kind: "Pod", metadata: {}, status: { phase: "Running", podIP: "", containerStatuses: [{ name: "m", ready: false,
      restartCount: 0, image: "i", imageID: "", containerID: "", state: { terminated: { exitCode: 0, signal: 0, reason: "Completed",
        message: "", startedAt: null } }, lastState: {} }] } },
    expected: { kind: "Pod", metadata: {}, status: { phase: "Running", containerStatuses: [{ name: "m", ready: false,
      restartCount: 0, image: "i", imageID: "", state: { terminated: { exitCode: 0, reason: "Completed", startedAt: null } },
      lastState: {} }] } } },
  { name: "Secret: empty data and type",
    input: { kind: "Secret", metadata: {}, data: {}, type: "" }, expected: { kind: "Secret", metadata: {} } },
  { name: "Lease: every spec field is a pointer, so zeros stay and nulls go",
    input: { kind: "Lease", metadata: {}, spec: { holderIdentity: null, leaseTransitions: 0, leaseDurationSeconds: 0 } },
    expected: { kind: "Lease", metadata: {}, spec: { leaseTransitions: 0, leaseDurationSeconds: 0 } } },
  { name: "Event: count 0 and empty strings go; reportingComponent has no omitempty; zero times are null",
    input: { kind: "Event", metadata: {}, count: 0, message: "", reason: "Started", reportingComponent: "", eventTime: null,
      involvedObject: { kind: "Pod", name: "p", uid: "" }, source: { component: "", host: "" } },
    expected: { kind: "Event", metadata: {}, reason: "Started", reportingComponent: "", eventTime: null,
      involvedObject: { kind: "Pod", name: "p" }, source: {} } },
];

for (const c of OMIT_CASES) {
  test(`omitEmpty — ${c.name}`, () => {
    const object = structuredClone(c.input) as KubeObject;
    omitEmpty(object);
    assert.deepEqual(object, c.expected);
  });
}
