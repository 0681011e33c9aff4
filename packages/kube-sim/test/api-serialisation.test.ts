// Objects on the wire as a real apiserver writes them (Go's encoding/json): omitempty fields are
// absent when zero or empty, pointers to zero and fields without omitempty stay, and the items of
// a List carry no kind or apiVersion (watch events' objects do). Raw HTTP, so the exact keys show.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import type { KubeSim } from "../src/sim.ts";

let sim: KubeSim;

// Plain HTTP: this file reads the wire itself (TLS is tested in tls.test.ts).
before(async () => { sim = await startKubeSim({ runtime: false, tls: false }); });
after(async () => { await sim.stop(); });

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown): Promise<{ code: number; body: Json }> {
  const response = await fetch(`${sim.url}${path}`, { method, headers: { Authorization: `Bearer ${sim.token}`,
    "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { code: response.status, body: await response.json() as Json };
}

const JOBS = "/apis/batch/v1/namespaces/default/jobs";
const PODS = "/api/v1/namespaces/default/pods";

test("Job status: active/succeeded/failed at 0 and empty conditions are absent; ready/terminating (pointers) stay", async () => {
  const created = await call("POST", JOBS, { metadata: { name: "zeros", labels: {}, annotations: {} }, spec: { template: {
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["true"], args: [] }] } } } });
  assert.equal(created.code, 201);
  assert.deepEqual(created.body.status, {}, "an empty status struct is written as {}");
  assert.equal("labels" in created.body.metadata, false);
  assert.equal("annotations" in created.body.metadata, false);
  assert.equal("args" in created.body.spec.template.spec.containers[0], false);
  const status = { active: 0, succeeded: 0, failed: 0, ready: 0, terminating: 0, conditions: [],
    uncountedTerminatedPods: { succeeded: [], failed: [] } };
  const written = await call("PUT", `${JOBS}/zeros/status`, { ...created.body, status });
  assert.equal(written.code, 200);
  assert.deepEqual(written.body.status, { ready: 0, terminating: 0, uncountedTerminatedPods: {} });
  const read = await call("GET", `${JOBS}/zeros`);
  assert.deepEqual(read.body.status, written.body.status);
  assert.equal((read.body.status as Json).active, undefined, "code reading status.active === 0 fails here as on a cluster");
});

test("Pod: empty maps, lists and strings are absent; restartCount 0, ready false and imageID \"\" stay", async () => {
  // No token volume is defaulted in (automountServiceAccountToken false), so `volumes: []` stays empty.
  const created = await call("POST", PODS, { metadata: { name: "bare", labels: {} }, spec: { nodeName: "", volumes: [], automountServiceAccountToken: false,
    containers: [{ name: "main", image: "busybox", env: [{ name: "EMPTY", value: "" }], ports: [] }] } });
  assert.equal(created.code, 201);
  assert.equal("labels" in created.body.metadata, false);
  assert.equal("nodeName" in created.body.spec, false);
  assert.equal("volumes" in created.body.spec, false);
  assert.deepEqual(created.body.spec.containers[0].env, [{ name: "EMPTY" }]);
  assert.equal("ports" in created.body.spec.containers[0], false);
  const status = { phase: "Pending", conditions: [], hostIP: "", podIPs: [], message: "",
    containerStatuses: [{ name: "main", ready: false, restartCount: 0, image: "busybox", imageID: "", containerID: "",
      started: false, state: { waiting: { reason: "ContainerCreating", message: "" } }, lastState: {} }] };
  const written = await call("PUT", `${PODS}/bare/status`, { ...created.body, status });
  assert.equal(written.code, 200);
  assert.equal(written.body.status.phase, "Pending");
  for (const absent of ["conditions", "hostIP", "podIPs", "message"]) assert.equal(absent in written.body.status, false, absent);
  assert.deepEqual(written.body.status.containerStatuses, [{ name: "main", ready: false, restartCount: 0, image: "busybox",
    imageID: "", started: false, state: { waiting: { reason: "ContainerCreating" } }, lastState: {} }]);
});

test("Secret, Lease and Event: omitempty zeros are absent, pointers to zero and non-omitempty strings stay", async () => {
  const secret = await call("POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "empty", annotations: {} }, data: {} });
  assert.equal(secret.code, 201);
  assert.equal("data" in secret.body, false);
  assert.equal("annotations" in secret.body.metadata, false);
  const lease = await call("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", { metadata: { name: "lock" },
    spec: { holderIdentity: null, leaseDurationSeconds: 0, leaseTransitions: 0 } });
  assert.equal(lease.code, 201);
  assert.deepEqual(lease.body.spec, { leaseDurationSeconds: 0, leaseTransitions: 0 });
  const event = await call("POST", "/api/v1/namespaces/default/events", { metadata: { name: "bare.1" },
    involvedObject: { kind: "Pod", namespace: "default", name: "bare", uid: "", fieldPath: "" }, reason: "Started",
    message: "", type: "Normal", count: 0, source: { component: "kubelet", host: "" }, reportingComponent: "", reportingInstance: "" });
  assert.equal(event.code, 201);
  assert.deepEqual(event.body.involvedObject, { kind: "Pod", namespace: "default", name: "bare" });
  assert.deepEqual(event.body.source, { component: "kubelet" });
  assert.equal("message" in event.body, false);
  assert.equal("count" in event.body, false);
  assert.equal(event.body.reportingComponent, "", "reportingComponent has no omitempty");
});

test("List items carry no kind or apiVersion (the List does); a watch event's object does", async () => {
  await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "listed" }, data: { k: "v" } });
  const list = await call("GET", "/api/v1/namespaces/default/configmaps");
  assert.equal(list.body.kind, "ConfigMapList");
  assert.equal(list.body.apiVersion, "v1");
  assert.ok(list.body.items.length > 0);
  for (const item of list.body.items) assert.deepEqual([item.kind, item.apiVersion, item.metadata.name !== undefined], [undefined, undefined, true]);
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  const typed = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: "default" });
  assert.equal(typed.items[0]?.kind, undefined, "code reading items[0].kind fails here as on a cluster");
  const watch = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1`,
    { headers: { Authorization: `Bearer ${sim.token}` } });
  const first = JSON.parse((await watch.text()).split("\n")[0] ?? "") as Json;
  assert.deepEqual([first.type, first.object.kind, first.object.apiVersion], ["ADDED", "ConfigMap", "v1"]);
});
