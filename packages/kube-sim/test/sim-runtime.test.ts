// The composed sim with its runtime: a Job applied over HTTP runs as a local process, completes,
// serves its logs, and goes away with its pods on a Background delete; stop() leaves nothing behind.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import { trustCa } from "./support/trust.ts";
import type { KubeSim } from "../src/sim.ts";

let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;

before(async () => {
  sim = await startKubeSim();
  trustCa(sim.caPem);
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
});

after(async () => {
  const path = sim.kubeconfigPath;
  await sim.stop();
  assert.equal(existsSync(path), false, "stop() removes the kubeconfig's temp dir");
});

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test("a Job runs to Complete, its pod's log is served, and a Background delete removes Job and pods", async () => {
  assert.ok(sim.runtime, "the runtime is on by default");
  await batch.createNamespacedJob({ namespace: "default", body: { metadata: { name: "hello" }, spec: { template: { spec: {
    restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo hello from the sim"] }] } } } } });
  const complete = await waitFor(async () => {
    const job = await batch.readNamespacedJob({ name: "hello", namespace: "default" });
    return job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? job : undefined;
  }, "the Job to complete");
  assert.equal(complete.status?.succeeded, 1);
  const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "batch.kubernetes.io/job-name=hello" });
  assert.equal(pods.items.length, 1);
  const podName = pods.items[0]?.metadata?.name ?? "";
  assert.match(podName, /^hello-[a-z0-9]{5}$/);
  assert.equal(await core.readNamespacedPodLog({ name: podName, namespace: "default" }), "hello from the sim\n");
  await batch.deleteNamespacedJob({ name: "hello", namespace: "default", propagationPolicy: "Background" });
  await waitFor(async () => {
    const left = await core.listNamespacedPod({ namespace: "default", labelSelector: "batch.kubernetes.io/job-name=hello" });
    return left.items.length === 0 ? true : undefined;
  }, "the GC to delete the pods");
});

test("a Foreground delete keeps the Job until the GC has removed its pods", async () => {
  // Grace 1 s: `sh -c "sleep 30"` as PID 1 ignores the SIGTERM, as in a container.
  await batch.createNamespacedJob({ namespace: "default", body: { metadata: { name: "fg" }, spec: { template: { spec: {
    restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 30"] }] } } } } });
  await waitFor(async () => {
    const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "job-name=fg" });
    return pods.items.length === 1 ? true : undefined;
  }, "the Job's pod");
  await batch.deleteNamespacedJob({ name: "fg", namespace: "default", propagationPolicy: "Foreground" });
  await waitFor(async () => {
    const left = await batch.listNamespacedJob({ namespace: "default", fieldSelector: "metadata.name=fg" });
    return left.items.length === 0 ? true : undefined;
  }, "the Job to go");
  const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "job-name=fg" });
  assert.equal(pods.items.length, 0, "no pod of the Job is left");
  const jobEvents = sim.store.history({ group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true }, "default", "fg");
  assert.equal(jobEvents.at(-1)?.type, "DELETED");
  assert.ok(jobEvents.some((e) => e.object.metadata.finalizers?.includes("foregroundDeletion")));
});

test("the admin endpoint passes runtime faults through to the runtime", async () => {
  await batch.createNamespacedJob({ namespace: "default", body: { metadata: { name: "victim" }, spec: { template: { spec: {
    restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 30"] }] } } } } });
  const response = await fetch(`${sim.url}/_sim/faults`, { method: "POST",
    headers: { Authorization: `Bearer ${sim.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ fault: "deleteJob", args: ["default", "victim", "Background"] }) });
  assert.equal(response.status, 200);
  const left = await batch.listNamespacedJob({ namespace: "default", fieldSelector: "metadata.name=victim" });
  assert.equal(left.items.length, 0);
});
