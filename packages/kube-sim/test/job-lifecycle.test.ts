import { test } from "node:test";
import assert from "node:assert/strict";
import { JOBS, PODS } from "../src/store/resources.ts";
import {
  conditionTypes, containerState, createJob, jobFinished, phase, podsOf, startWorld, versions, waitFor,
} from "./runtime-support.ts";

test("a failing Job runs a real process: Running, exit 3 reason Error, FailureTarget before Failed", async () => {
  const world = await startWorld();
  try {
    createJob(world.store, "fail", "echo hi; exit 3");
    const job = await waitFor(world.store, JOBS, "default", "fail", jobFinished);
    assert.deepEqual(conditionTypes(job), ["FailureTarget", "Failed"]);
    const status = job?.status as Record<string, unknown>;
    assert.equal(status.failed, 1);
    // Zero counters are omitted (Go's omitempty), as on a real server.
    assert.equal("active" in status, false);
    assert.equal("succeeded" in status, false);
    assert.match(String(status.startTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const conditionsOf = (v: unknown) => conditionTypes(v as never);
    const jobVersions = versions(world.store, JOBS, "fail");
    const firstTarget = jobVersions.findIndex((v) => conditionsOf(v).includes("FailureTarget"));
    const firstFailed = jobVersions.findIndex((v) => conditionsOf(v).includes("Failed"));
    assert.ok(firstTarget !== -1 && firstFailed > firstTarget, `FailureTarget at ${firstTarget}, Failed at ${firstFailed}`);
    const [pod] = podsOf(world.store, "fail");
    assert.ok(pod, "the pod is still there");
    assert.match(pod.metadata.name ?? "", /^fail-[a-z0-9]{5}$/);
    assert.deepEqual(pod.metadata.finalizers ?? [], [], "job-tracking finalizer removed");
    assert.equal(pod.metadata.labels?.["batch.kubernetes.io/job-name"], "fail");
    assert.equal(pod.metadata.labels?.["controller-uid"], job?.metadata.uid);
    assert.deepEqual(pod.metadata.ownerReferences?.map((r) => [r.kind, r.controller, r.blockOwnerDeletion]), [["Job", true, true]]);
    const terminated = containerState(pod).terminated;
    assert.equal(terminated?.exitCode, 3);
    assert.equal(terminated?.reason, "Error");
    assert.match(String(terminated?.containerID), /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal(phase(pod), "Failed");
    const podVersions = versions(world.store, PODS, pod.metadata.name ?? "");
    assert.ok(podVersions.some((v) => phase(v) === "Running" && containerState(v).running !== undefined), "seen Running");
    const log = world.runtime.logSource.containerLog("default", pod.metadata.name ?? "", "main");
    assert.deepEqual(log?.lines().map((l) => l.text), ["hi"]);
    assert.equal(log?.ended, true);
    assert.deepEqual(world.runtime.groundTruth.containerExits({ pod: pod.metadata.name ?? "" }).map((e) => e.exitCode), [3]);
  } finally {
    await world.stop();
  }
});

test("a succeeding Job: SuccessCriteriaMet before Complete, completionTime, succeeded 1", async () => {
  const world = await startWorld();
  try {
    createJob(world.store, "ok", "echo done");
    const job = await waitFor(world.store, JOBS, "default", "ok", jobFinished);
    assert.deepEqual(conditionTypes(job), ["SuccessCriteriaMet", "Complete"]);
    const status = job?.status as Record<string, unknown>;
    assert.equal(status.succeeded, 1);
    assert.equal("failed" in status, false, "a zero counter is omitted");
    assert.match(String(status.completionTime), /Z$/);
    const reasons = (status.conditions as { reason: string }[]).map((c) => c.reason);
    assert.deepEqual(reasons, ["CompletionsReached", "CompletionsReached"]);
    const jobVersions = versions(world.store, JOBS, "ok");
    const firstMet = jobVersions.findIndex((v) => conditionTypes(v).includes("SuccessCriteriaMet"));
    const firstComplete = jobVersions.findIndex((v) => conditionTypes(v).includes("Complete"));
    assert.ok(firstMet !== -1 && firstComplete > firstMet);
    const [pod] = podsOf(world.store, "ok");
    assert.equal(containerState(pod).terminated?.reason, "Completed");
    assert.equal(phase(pod), "Succeeded");
  } finally {
    await world.stop();
  }
});

test("backoffLimit 1: a replacement pod, then Failed with BackoffLimitExceeded and failed 2", async () => {
  const world = await startWorld();
  try {
    createJob(world.store, "retry", "exit 1", { backoffLimit: 1 });
    const job = await waitFor(world.store, JOBS, "default", "retry", jobFinished);
    const status = job?.status as { failed: number; conditions: { type: string; reason: string }[] };
    assert.equal(status.failed, 2);
    assert.equal(status.conditions.find((c) => c.type === "Failed")?.reason, "BackoffLimitExceeded");
    assert.equal(podsOf(world.store, "retry").length, 2);
  } finally {
    await world.stop();
  }
});

test("condition lag: the terminal condition is written at least N ms after the container exits", async () => {
  const world = await startWorld({ conditionLagMs: 400 });
  try {
    createJob(world.store, "lag", "exit 0");
    const podName = await new Promise<string>((resolve) => {
      const check = () => { const [p] = podsOf(world.store, "lag"); if (p) resolve(p.metadata.name ?? ""); else setImmediate(check); };
      check();
    });
    await waitFor(world.store, PODS, "default", podName, (p) => containerState(p).terminated !== undefined);
    const exitedAt = Date.now();
    await waitFor(world.store, JOBS, "default", "lag", (j) => conditionTypes(j).includes("SuccessCriteriaMet"));
    const lag = Date.now() - exitedAt;
    assert.ok(lag >= 350, `condition came ${lag} ms after the exit`);
    await waitFor(world.store, JOBS, "default", "lag", jobFinished);
  } finally {
    await world.stop();
  }
});

test("terminated-state delay: one pod version has a terminal phase with the container still running", async () => {
  const world = await startWorld({ terminatedStateDelayMs: 300 });
  try {
    createJob(world.store, "slowstate", "exit 3");
    await waitFor(world.store, JOBS, "default", "slowstate", jobFinished);
    const [job] = podsOf(world.store, "slowstate");
    const pod = await waitFor(world.store, PODS, "default", job?.metadata.name ?? "", (p) => containerState(p).terminated !== undefined);
    const podVersions = versions(world.store, PODS, pod?.metadata.name ?? "");
    const early = podVersions.findIndex((v) => phase(v) === "Failed" && containerState(v).running !== undefined);
    const late = podVersions.findIndex((v) => phase(v) === "Failed" && containerState(v).terminated?.exitCode === 3);
    assert.ok(early !== -1 && late > early, `early ${early}, late ${late}`);
  } finally {
    await world.stop();
  }
});
