import { test } from "node:test";
import assert from "node:assert/strict";
import { JOBS, PODS, SECRETS } from "../src/store/resources.ts";
import type { KubeObject } from "../src/store/types.ts";
import { conditionTypes, containerState, createJob, createPod, podsOf, startWorld, versions, waitFor, type World } from "./runtime-support.ts";

async function withWorld(body: (world: World) => Promise<void>): Promise<void> {
  const world = await startWorld();
  try {
    await body(world);
  } finally {
    await world.stop();
  }
}

const running = (p: KubeObject | undefined) => containerState(p).running !== undefined;
const gone = (p: KubeObject | undefined) => p === undefined;

function firstLine(world: World, pod: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => ((world.runtime.logSource.containerLog("default", pod, "main")?.lines().length ?? 0) > 0 ? resolve() : setTimeout(check, 5));
    check();
  });
}

test("oomKill: terminated reason OOMKilled, exit 137", () => withWorld(async (world) => {
  createPod(world.store, "hog", { containers: [{ name: "main", image: "busybox", command: ["sleep", "30"] }] });
  await waitFor(world.store, PODS, "default", "hog", running);
  assert.equal(world.runtime.faults.oomKill("default", "hog"), true);
  const pod = await waitFor(world.store, PODS, "default", "hog", (p) => containerState(p).terminated !== undefined);
  assert.deepEqual([containerState(pod).terminated?.reason, containerState(pod).terminated?.exitCode], ["OOMKilled", 137]);
}));

test("pod deletion: SIGTERM first (trapped), SIGKILL after the grace period, then the pod goes", () => withWorld(async (world) => {
  createPod(world.store, "stubborn", { containers: [{ name: "main", image: "busybox",
    command: ["sh", "-c", "trap 'echo got TERM' TERM; echo ready; while true; do sleep 0.05; done"] }] });
  await waitFor(world.store, PODS, "default", "stubborn", running);
  await firstLine(world, "stubborn");
  const started = Date.now();
  world.runtime.faults.deletePod("default", "stubborn", 1);
  const deleting = world.store.get(PODS, "default", "stubborn");
  assert.ok(deleting.metadata.deletionTimestamp, "visible with deletionTimestamp while terminating");
  await waitFor(world.store, PODS, "default", "stubborn", gone);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 5000, `took ${elapsed} ms`);
  assert.deepEqual(world.runtime.groundTruth.containerLines("default", "stubborn", "main").map((l) => l.text), ["ready", "got TERM"]);
  const last = versions(world.store, PODS, "stubborn").at(-1);
  assert.equal(containerState(last).terminated?.exitCode, 137);
}));

test("eviction: DisruptionTarget condition, then a graceful delete (sleep as PID 1 ignores SIGTERM: SIGKILL after the grace)", () => withWorld(async (world) => {
  createPod(world.store, "evictee", { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sleep", "30"] }] });
  await waitFor(world.store, PODS, "default", "evictee", running);
  const evictedAt = Date.now();
  world.runtime.faults.evict("default", "evictee");
  await waitFor(world.store, PODS, "default", "evictee", gone);
  const last = versions(world.store, PODS, "evictee").at(-1);
  const disruption = (last?.status as { conditions: { type: string; reason?: string }[] }).conditions.find((c) => c.type === "DisruptionTarget");
  assert.equal(disruption?.reason, "EvictionByEvictionAPI");
  if (world.runtime.kubelet.isolation === "namespace") {
    assert.equal(containerState(last).terminated?.exitCode, 137, "killed at the end of the grace period");
    assert.ok(Date.now() - evictedAt >= 900, "the grace period (1 s) passed first");
  } else {
    assert.equal(containerState(last).terminated?.exitCode, 143, "direct isolation: not PID 1, SIGTERM's default action");
  }
}));

test("rotateLogs: rotated lines are no longer served but ground truth keeps them", () => withWorld(async (world) => {
  createPod(world.store, "chatty", { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo 1; echo 2; echo 3"] }] });
  await waitFor(world.store, PODS, "default", "chatty", (p) => containerState(p).terminated !== undefined);
  assert.equal(world.runtime.faults.rotateLogs("default", "chatty", "main", 2), 2);
  assert.deepEqual(world.runtime.logSource.containerLog("default", "chatty", "main")?.lines().map((l) => l.text), ["3"]);
  assert.deepEqual(world.runtime.groundTruth.containerLines("default", "chatty", "main").map((l) => l.text), ["1", "2", "3"]);
}));

test("activeDeadlineSeconds: DeadlineExceeded, the pod is killed, Failed after it is gone", () => withWorld(async (world) => {
  createJob(world.store, "slow", "sleep 30", { activeDeadlineSeconds: 1 }, { terminationGracePeriodSeconds: 1 });
  const job = await waitFor(world.store, JOBS, "default", "slow", (j) => conditionTypes(j).includes("Failed"), 8000);
  const failed = (job?.status as { conditions: { type: string; reason: string }[] }).conditions.find((c) => c.type === "Failed");
  assert.equal(failed?.reason, "DeadlineExceeded");
  assert.equal("active" in (job?.status as object), false, "no active pods: the zero counter is omitted");
}));

for (const policy of ["Background", "Foreground", "Orphan"] as const) {
  test(`GC on Job deletion with propagationPolicy ${policy}: pods and owned Secrets`, () => withWorld(async (world) => {
    const job = createJob(world.store, "owner", "sleep 30", {}, { terminationGracePeriodSeconds: 1 });
    const [pod] = await new Promise<KubeObject[]>((resolve) => {
      const check = () => { const pods = podsOf(world.store, "owner"); if (pods.length > 0) resolve(pods); else setImmediate(check); };
      check();
    });
    const podName = pod?.metadata.name ?? "";
    await waitFor(world.store, PODS, "default", podName, running);
    world.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "owned", namespace: "default",
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "owner", uid: job.metadata.uid ?? "", blockOwnerDeletion: true }] } });
    world.runtime.faults.deleteJob("default", "owner", policy);
    if (policy === "Orphan") {
      await waitFor(world.store, JOBS, "default", "owner", gone);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(world.store.tryGet(PODS, "default", podName)?.metadata.ownerReferences, undefined);
      assert.ok(world.store.tryGet(SECRETS, "default", "owned"), "orphaned Secret survives");
      assert.ok(running(world.store.tryGet(PODS, "default", podName)), "orphaned pod keeps running");
      return;
    }
    if (policy === "Foreground") {
      assert.ok(world.store.get(JOBS, "default", "owner").metadata.deletionTimestamp, "the Job waits for its dependents");
      await waitFor(world.store, PODS, "default", podName, gone);
      await waitFor(world.store, JOBS, "default", "owner", gone);
    } else {
      await waitFor(world.store, PODS, "default", podName, gone);
    }
    await waitFor(world.store, SECRETS, "default", "owned", gone);
  }));
}

test("ttlSecondsAfterFinished: the Job and its pods are deleted after finishing", () => withWorld(async (world) => {
  createJob(world.store, "short", "true", { ttlSecondsAfterFinished: 0 });
  await waitFor(world.store, JOBS, "default", "short", (j) => conditionTypes(j).includes("Complete"));
  await waitFor(world.store, JOBS, "default", "short", gone);
  await new Promise<void>((resolve) => {
    const check = () => (podsOf(world.store, "short").length === 0 ? resolve() : setTimeout(check, 10));
    check();
  });
}));

test("invariant noTwoActiveJobsPerLabel: violated when two Jobs with one agent label run at once", () => withWorld(async (world) => {
  const name = world.runtime.invariants.noTwoActiveJobsPerLabel("app");
  createJob(world.store, "first", "true");
  await waitFor(world.store, JOBS, "default", "first", (j) => conditionTypes(j).includes("Complete"));
  createJob(world.store, "second", "sleep 30");
  assert.deepEqual(world.runtime.invariants.check(name), [], "sequential Jobs do not violate it");
  createJob(world.store, "third", "sleep 30");
  const violations = world.runtime.invariants.check(name);
  assert.equal(violations.length, 1);
  assert.match(violations[0]?.message ?? "", /default\/second, default\/third/);
}));
