// What the cluster does to a run's Job and pod, through execute() on kube-sim with the real
// Claude Code CLI: the Job deleted mid-run (C3), OOM (C7), eviction (C7), the run's own deadline
// (C14), a pod that cannot be scheduled or whose image cannot be pulled (C13), an operator's
// cancellation (R10) and a shutdown abort (R3). Each: the verdict names the real cause, and
// only what the run meant to end is deleted.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bash, say } from "anthropic-sim";
import type { Reply } from "anthropic-sim";
import { JOBS, LEASES, PODS } from "kube-sim";
import { agentConfig, groundTruthLines, leftovers, NAMESPACE, run, runContext, startScriptedWorld, transcriptLines, waitFor } from "./run-support.ts";
import type { RunHandle, World } from "./run-support.ts";

let world: World;
let useScript: (replies: Reply[]) => void = () => {};

/** A slow run: a tool call that sleeps, so a test can act while the container runs. */
function slowRun(seconds: number): Reply[] {
  return [bash(`echo started; sleep ${seconds}; echo woke`, "Working slowly."), say("Slow run done.")];
}

before(async () => {
  ({ world, useScript } = await startScriptedWorld());
});

after(async () => {
  await world.stop();
});

function jobOfRun(handle: RunHandle): string {
  const event = handle.record.events.find((e) => e.eventType === "k8s.job.created");
  return String(event?.payload?.job ?? "");
}

function podOf(job: string): string {
  const pod = world.sim.store.list(PODS, NAMESPACE).items.find((p) => p.metadata?.name?.startsWith(`${job}-`));
  return pod?.metadata?.name ?? "";
}

async function whenRunning(handle: RunHandle): Promise<{ job: string; pod: string }> {
  await waitFor(() => handle.record.events.some((e) => e.eventType === "k8s.container.started") && transcriptLines(handle.record).length >= 2, 30_000, "the container to run");
  const job = jobOfRun(handle);
  return { job, pod: podOf(job) };
}

test("C3: the Job deleted by someone else mid-run: k8s_job_deleted_externally with what was last seen", async () => {
  useScript(slowRun(30));
  const handle = runContext(agentConfig(world), { agentId: "agent-c3" });
  const running = run(handle);
  const { job } = await whenRunning(handle);
  world.sim.runtime?.faults.deleteJob(NAMESPACE, job, "Background");
  const result = await running;
  assert.equal(result.errorCode, "k8s_job_deleted_externally", String(result.errorMessage));
  assert.match(String(result.errorMessage), /deleted by someone else/);
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("C7: OOMKilled names memory and the limit to raise", async () => {
  useScript(slowRun(30));
  const handle = runContext(agentConfig(world), { agentId: "agent-oom" });
  const running = run(handle);
  const { pod } = await whenRunning(handle);
  world.sim.runtime?.faults.oomKill(NAMESPACE, pod, "claude");
  const result = await running;
  assert.equal(result.errorCode, "k8s_oom_killed", String(result.errorMessage));
  assert.equal(result.exitCode, 137);
  assert.match(String(result.errorMessage), /resources\.limits\.memory/);
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("C7: an evicted pod is reported as evicted", async () => {
  useScript(slowRun(30));
  const handle = runContext(agentConfig(world), { agentId: "agent-evict" });
  const running = run(handle);
  const { pod } = await whenRunning(handle);
  world.sim.runtime?.faults.evict(NAMESPACE, pod);
  const result = await running;
  assert.equal(result.errorCode, "k8s_pod_evicted", String(result.errorMessage));
  await waitFor(() => leftovers(world).length === 0, 20_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("C14: the run's own deadline: the reason is recorded on the Job before it is deleted, timedOut", async () => {
  useScript(slowRun(60));
  const handle = runContext(agentConfig(world, { timeoutSec: 3 }), { agentId: "agent-deadline" });
  const result = await run(handle);
  assert.equal(result.timedOut, true);
  assert.equal(result.errorCode, "timeout", String(result.errorMessage));
  const job = jobOfRun(handle);
  const history = world.sim.runtime?.groundTruth.history(JOBS, NAMESPACE, job) ?? [];
  const annotated = history.findIndex((h) => h.object.metadata?.annotations?.["paperclip.io/delete-reason"]?.startsWith("timeout"));
  const deleted = history.findIndex((h) => h.type === "DELETED" || Boolean(h.object.metadata?.deletionTimestamp));
  assert.ok(annotated >= 0 && deleted > annotated, "the reason was written before the delete");
  await waitFor(() => leftovers(world).length === 0, 20_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("C13: an unschedulable pod ends the run at scheduleTimeoutSec; the Job stays (it could still start)", async () => {
  useScript(slowRun(1));
  const handle = runContext(agentConfig(world, { scheduleTimeoutSec: 2, nodeSelector: { "example.com/pool": "none" } }), { agentId: "agent-unsched" });
  const result = await run(handle);
  assert.equal(result.errorCode, "k8s_unschedulable", String(result.errorMessage));
  assert.match(String(result.errorMessage), /kubectl delete job/);
  const job = jobOfRun(handle);
  assert.ok(world.sim.store.list(JOBS, NAMESPACE).items.some((j) => j.metadata?.name === job), "the Job was left in place");
  const lease = leftovers(world).find((l) => l.startsWith("leases/"));
  assert.ok(lease, "the Lease was kept with the Job");
  world.sim.runtime?.faults.deleteJob(NAMESPACE, job, "Background");
  world.sim.store.delete(LEASES, NAMESPACE, lease.slice("leases/".length));
  await waitFor(() => leftovers(world).length === 0, 15_000, "the test's cleanup");
});

test("C13: an image that cannot be pulled ends the run with the pull error; the Job is deleted", async () => {
  useScript(slowRun(1));
  const handle = runContext(agentConfig(world, { scheduleTimeoutSec: 3, image: "registry.invalid/nope:1" }), { agentId: "agent-pull" });
  const result = await run(handle);
  assert.equal(result.errorCode, "k8s_image_pull_failed", String(result.errorMessage));
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("R10: an operator's cancellation deletes the Job within seconds and is acknowledged", async () => {
  useScript(slowRun(60));
  const handle = runContext(agentConfig(world), { agentId: "agent-cancel" });
  const running = run(handle);
  await whenRunning(handle);
  const cancelledAt = Date.now();
  handle.abort.abort(new Error("Cancelled by a board operator"));
  const result = await running;
  assert.ok(Date.now() - cancelledAt < 15_000, "returned within seconds");
  assert.equal(result.errorCode, "cancelled");
  const cancellation = (result.resultJson as { executionCancellation?: { state: string } }).executionCancellation;
  assert.equal(cancellation?.state, "acknowledged");
  await waitFor(() => leftovers(world).length === 0, 15_000, `the Job and pod gone (left: ${leftovers(world).join(", ")})`);
});

test("R3: a shutdown abort (lease lost) leaves the Job and the Lease for adoption", async () => {
  useScript(slowRun(5));
  const handle = runContext(agentConfig(world), { agentId: "agent-shutdown", taskId: "task-9" });
  const running = run(handle);
  const { job } = await whenRunning(handle);
  handle.abort.abort(new Error("Legacy controller lease lost"));
  const result = await running;
  assert.equal(result.errorCode, "k8s_run_detached", String(result.errorMessage));
  const left = leftovers(world);
  assert.ok(left.includes(`jobs/${job}`), `the Job is still there: ${left.join(", ")}`);
  assert.ok(left.some((l) => l.startsWith("leases/")), "the Lease is kept");
  const next = runContext(agentConfig(world), { agentId: "agent-shutdown", taskId: "task-9" });
  const adopted = await run(next);
  assert.equal(adopted.errorCode ?? null, null, `${adopted.errorCode}: ${adopted.errorMessage}`);
  const k8s = (adopted.resultJson as { k8s: { adopted: boolean; job: string } }).k8s;
  assert.deepEqual([k8s.job, k8s.adopted], [job, true]);
  assert.deepEqual(transcriptLines(next.record), groundTruthLines(world, job), "the adopted run's transcript is whole, from the start");
  const exits = world.sim.runtime?.groundTruth.containerExits().filter((e) => e.pod.startsWith(`${job}-`)) ?? [];
  assert.equal(exits.length, 1, "the pod ran once: nothing was rerun");
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("R10: a run cancelled before its Job exists creates nothing and still acknowledges", async () => {
  const handle = runContext(agentConfig(world), { agentId: "agent-early-cancel" });
  handle.abort.abort(new Error("Cancelled by a board operator"));
  const result = await run(handle);
  assert.equal(result.errorCode, "cancelled");
  assert.equal((result.resultJson as { executionCancellation?: { state: string } }).executionCancellation?.state, "acknowledged");
  assert.equal(handle.record.dispatched, 0);
  assert.deepEqual(leftovers(world), []);
});
