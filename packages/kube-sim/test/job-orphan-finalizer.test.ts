// A pod whose last event came while its Job still existed must not keep the job-tracking
// finalizer once the Job is deleted (found by the claude-k8s soak, seed 20261202: pods evicted
// right after they finished, whose Job was then deleted, stayed Terminating forever).
import { test } from "node:test";
import assert from "node:assert/strict";
import { JOBS, PODS } from "../src/store/resources.ts";
import { createJob, phase, podsOf, startWorld, waitFor } from "./runtime-support.ts";

test("Job deleted while its finished, terminating pod still carries the tracking finalizer: the pod goes", async () => {
  // The condition lag holds the Job's terminal status back, and with it the finalizer's removal.
  const world = await startWorld({ conditionLagMs: 60_000 });
  try {
    createJob(world.store, "lagged", "echo done");
    const deadline = Date.now() + 20_000;
    while (!(podsOf(world.store, "lagged")[0] && phase(podsOf(world.store, "lagged")[0]) === "Succeeded") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [pod] = podsOf(world.store, "lagged");
    assert.equal(phase(pod), "Succeeded");
    const name = pod?.metadata.name ?? "";
    world.runtime.faults.deletePod("default", name);
    await waitFor(world.store, PODS, "default", name, (p) => Boolean(p?.metadata.deletionTimestamp));
    assert.ok(world.store.tryGet(PODS, "default", name)?.metadata.finalizers?.includes("batch.kubernetes.io/job-tracking"), "held by the finalizer");
    world.store.delete(JOBS, "default", "lagged", { propagationPolicy: "Background" });
    await waitFor(world.store, PODS, "default", name, (p) => p === undefined);
  } finally {
    await world.stop();
  }
});
