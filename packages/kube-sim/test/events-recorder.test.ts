// The event recorder (aggregation, TTL) and the two Event APIs over one stored object, against
// the in-process store; and the pure pod-default rules, table-driven.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventRecorder } from "../src/events/recorder.ts";
import { MemoryStore } from "../src/store/memory-store.ts";
import { defaultPullPolicy, qosClassOf } from "../src/store/pod-defaults.ts";
import { EVENTS, EVENTS_V1, PODS } from "../src/store/resources.ts";
import type { KubeObject, StoreEvent } from "../src/store/types.ts";

function setup(ttlMs = 60_000) {
  const store = new MemoryStore();
  let now = Date.parse("2026-01-01T00:00:00Z");
  const recorder = new EventRecorder(store, { ttlMs, now: () => now });
  const pod = store.create(PODS, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "main", image: "busybox" }] } });
  return { store, recorder, pod, advance: (ms: number) => { now += ms; } };
}

const KUBELET = { component: "kubelet", host: "sim-node-1" };
const BACKOFF = { type: "Warning" as const, reason: "BackOff", message: "Back-off", fieldPath: "spec.containers{main}" };

test("the same event again raises count and lastTimestamp of one Event; another message is another Event", () => {
  const { store, recorder, pod, advance } = setup();
  recorder.record(KUBELET, pod, BACKOFF);
  advance(5000);
  recorder.record(KUBELET, pod, BACKOFF);
  recorder.record(KUBELET, pod, { ...BACKOFF, message: "other" });
  const events = store.list(EVENTS, "default").items;
  assert.equal(events.length, 2);
  const repeated = events.find((e) => e.message === "Back-off");
  assert.equal(repeated?.count, 2);
  assert.equal(repeated?.firstTimestamp, "2026-01-01T00:00:00Z");
  assert.equal(repeated?.lastTimestamp, "2026-01-01T00:00:05Z");
  assert.match(repeated?.metadata.name ?? "", /^p\.[0-9a-f]+$/);
  assert.deepEqual(repeated?.involvedObject, { kind: "Pod", namespace: "default", name: "p", uid: pod.metadata.uid,
    apiVersion: "v1", resourceVersion: pod.metadata.resourceVersion, fieldPath: "spec.containers{main}" });
});

test("events.k8s.io reporters: eventTime, action, empty source, series on repeats", () => {
  const { store, recorder, pod, advance } = setup();
  const scheduler = { component: "default-scheduler", api: "events.k8s.io" as const, instance: "default-scheduler-x" };
  const failed = { type: "Warning" as const, reason: "FailedScheduling", message: "0/1 nodes are available", action: "Scheduling" };
  recorder.record(scheduler, pod, failed);
  advance(1000);
  recorder.record(scheduler, pod, failed);
  const [event] = store.list(EVENTS_V1, "default").items;
  assert.equal(event?.reportingController, "default-scheduler");
  assert.equal(event?.reportingInstance, "default-scheduler-x");
  assert.equal(event?.action, "Scheduling");
  assert.equal(event?.eventTime, "2026-01-01T00:00:00.000000Z");
  assert.deepEqual(event?.series, { count: 2, lastObservedTime: "2026-01-01T00:00:01.000000Z" });
  assert.deepEqual(event?.deprecatedSource, {});
  assert.equal(event?.deprecatedCount, undefined);
});

test("the TTL sweep deletes events last seen longer ago than the TTL, from either API", () => {
  const { store, recorder, pod, advance } = setup(10_000);
  recorder.record(KUBELET, pod, BACKOFF);
  store.create(EVENTS_V1, { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name: "client.1", namespace: "default" },
    eventTime: "2026-01-01T00:00:00.000000Z", reportingController: "me", reportingInstance: "me-1", action: "Do",
    reason: "Did", note: "done", type: "Normal", regarding: { kind: "Pod", name: "p", namespace: "default" } });
  advance(5000);
  recorder.record(KUBELET, pod, { ...BACKOFF, message: "fresh" });
  advance(6000);
  recorder.sweep();
  assert.deepEqual(store.list(EVENTS, "default").items.map((e) => e.message), ["fresh"]);
  recorder.record(KUBELET, pod, BACKOFF);
  assert.equal(store.list(EVENTS, "default").items.find((e) => e.message === "Back-off")?.count, 1, "a new Event after expiry");
});

test("an Event written through events.k8s.io/v1 is the core/v1 Event, in lists, gets and watches", () => {
  const store = new MemoryStore();
  const seen: StoreEvent[] = [];
  const stop = store.watch(EVENTS_V1, "default", undefined, (event) => seen.push(event));
  const created = store.create(EVENTS_V1, { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name: "e1", namespace: "default" },
    eventTime: "2026-01-01T00:00:00.000000Z", reportingController: "ctl", reportingInstance: "ctl-1", action: "Act",
    reason: "Why", note: "what", type: "Normal", regarding: { kind: "Pod", name: "p", namespace: "default", uid: "u" } });
  stop();
  const core = store.get(EVENTS, "default", "e1") as KubeObject & Record<string, unknown>;
  assert.equal(core.apiVersion, "v1");
  assert.equal(core.message, "what");
  assert.equal(core.reportingComponent, "ctl");
  assert.deepEqual(core.involvedObject, { kind: "Pod", name: "p", namespace: "default", uid: "u" });
  assert.equal(created.apiVersion, "events.k8s.io/v1");
  assert.equal(created.note, "what");
  assert.deepEqual(seen.map((e) => [e.type, e.object.apiVersion, e.object.note]), [["ADDED", "events.k8s.io/v1", "what"]]);
  assert.deepEqual(store.list(EVENTS_V1, "default", { fieldSelector: "regarding.name=p" }).items.map((e) => e.metadata.name), ["e1"]);
});

test("defaultPullPolicy: Always for :latest or no tag, IfNotPresent for a tag or digest", () => {
  const cases: [string, string][] = [
    ["busybox", "Always"], ["busybox:latest", "Always"], ["busybox:1.36", "IfNotPresent"],
    ["localhost:5000/tool", "Always"], ["localhost:5000/tool:v2", "IfNotPresent"], ["ghcr.io/a/b@sha256:abc", "IfNotPresent"],
  ];
  for (const [image, policy] of cases) assert.equal(defaultPullPolicy(image), policy, image);
});

test("qosClassOf: BestEffort, Burstable, Guaranteed", () => {
  const cases: [Record<string, unknown>[], string][] = [
    [[{}], "BestEffort"],
    [[{ requests: { cpu: "1" } }], "Burstable"],
    [[{ limits: { cpu: "1", memory: "1Gi" } }], "Guaranteed"],
    [[{ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m" } }], "Burstable"],
    [[{ limits: { cpu: "1", memory: "1Gi" } }, {}], "Burstable"],
  ];
  for (const [resources, qos] of cases) {
    assert.equal(qosClassOf({ containers: resources.map((r, i) => ({ name: `c${i}`, resources: r })) }), qos, JSON.stringify(resources));
  }
});
