// The claim: one live Job per agent across replicas, and the objects around it. Through
// execute() on kube-sim: two runs of one agent at once, in one process and in two processes
// (R4); the API partitioned during the claim (R5); a live Job of another task (R2); a Job still
// terminating (R6); a Secret orphaned by a crash (S1); a Job create that fails (S2).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bash, say } from "anthropic-sim";
import { JOBS, PODS, SECRETS } from "kube-sim";
import { agentConfig, leftovers, NAMESPACE, oneToolThenAnswer, run, runContext, startWorld, waitFor } from "./run-support.ts";
import type { World } from "./run-support.ts";

let world: World;
let invariant = "";
const createdJobs: { name: string; agent: string }[] = [];
let unwatch = () => {};

before(async () => {
  world = await startWorld({ model: { script: oneToolThenAnswer(() => bash("sleep 2; echo done", "Working."), say("ok")) } });
  invariant = world.sim.runtime?.invariants.noTwoActiveJobsPerLabel("paperclip.io/agent-id") ?? "";
  unwatch = world.sim.store.watch(JOBS, NAMESPACE, undefined, (event) => {
    if (event.type === "ADDED") createdJobs.push({ name: event.object.metadata?.name ?? "", agent: event.object.metadata?.labels?.["paperclip.io/agent-id"] ?? "" });
  });
});

after(async () => {
  unwatch();
  assert.deepEqual(world.sim.runtime?.invariants.check(invariant), [], "never two live Jobs for one agent");
  await world.stop();
});

/** Every Job ever created for an agent (kube-sim's history, not the current state). */
function jobsEverCreated(agentId: string): string[] {
  return createdJobs.filter((j) => j.agent === agentId).map((j) => j.name);
}

test("R4: two execute() calls for one agent at the same moment, in one process: exactly one Job", async () => {
  const config = agentConfig(world, { model: "claude-sonnet-4-5" });
  const a = runContext(config, { agentId: "agent-r4" });
  const b = runContext(config, { agentId: "agent-r4" });
  const results = await Promise.all([run(a), run(b)]);
  const codes = results.map((r) => r.errorCode ?? null).sort();
  assert.equal(jobsEverCreated("agent-r4").length, 1, "one Job was created");
  assert.equal(codes.filter((c) => c === "k8s_concurrent_run_blocked").length, 1, `codes: ${codes.join(", ")}`);
  const blocked = results.find((r) => r.errorCode === "k8s_concurrent_run_blocked");
  assert.match(String(blocked?.errorMessage), /kubectl -n default delete job|being started by another run/);
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("R4: two replicas (two processes) claim one agent at once: exactly one Job", async () => {
  const script = fileURLToPath(new URL("./fixtures/bin/execute-once.ts", import.meta.url));
  const config = JSON.stringify(agentConfig(world));
  const start = (runId: string) => new Promise<{ errorCode: string | null }>((resolve, reject) => {
    execFile(process.execPath, ["--conditions=source", script, config, runId, "agent-replicas"], { timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { errorCode: string | null });
    });
  });
  const results = await Promise.all([start("run-replica-a"), start("run-replica-b")]);
  assert.equal(jobsEverCreated("agent-replicas").length, 1, "one Job was created");
  assert.deepEqual(results.map((r) => r.errorCode).sort((x, y) => String(x).localeCompare(String(y))), ["k8s_concurrent_run_blocked", null]);
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("R5: the API partitioned during the claim: fail closed, nothing created", async () => {
  world.sim.faults.partition(4_000);
  try {
    const handle = runContext(agentConfig(world), { agentId: "agent-r5" });
    const result = await run(handle, { claimReadDeadlineMs: 1_500 });
    assert.equal(result.errorCode, "k8s_concurrency_guard_unreachable", String(result.errorMessage));
    assert.equal(handle.record.dispatched, 0);
  } finally {
    world.sim.faults.clear();
  }
  assert.deepEqual(jobsEverCreated("agent-r5"), []);
  assert.deepEqual(leftovers(world), []);
});

test("R2: a live Job of another task blocks the new run and is left untouched", async () => {
  const first = runContext(agentConfig(world), { agentId: "agent-r2", taskId: "task-a" });
  const running = run(first);
  await waitFor(() => first.record.dispatched === 1 && jobsEverCreated("agent-r2").length === 1, 20_000, "the first Job");
  const second = runContext(agentConfig(world), { agentId: "agent-r2", taskId: "task-b" });
  const blocked = await run(second);
  assert.equal(blocked.errorCode, "k8s_concurrent_run_blocked");
  assert.match(String(blocked.errorMessage), /another task or session/);
  const result = await running;
  assert.equal(result.errorCode ?? null, null, "the first run finished undisturbed");
  assert.equal(jobsEverCreated("agent-r2").length, 1);
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("R6: a Job of the agent still terminating is not live: the new run goes ahead", async () => {
  const labels = { "app.kubernetes.io/managed-by": "paperclip", "paperclip.io/adapter-type": "claude_k8s", "paperclip.io/agent-id": "agent-r6" };
  world.sim.store.create(JOBS, {
    apiVersion: "batch/v1", kind: "Job", metadata: { name: "old-terminating", namespace: NAMESPACE, labels, finalizers: ["example.com/hold"] },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sleep", "1"] }] } } },
  });
  world.sim.store.delete(JOBS, NAMESPACE, "old-terminating", { propagationPolicy: "Background" });
  const handle = runContext(agentConfig(world), { agentId: "agent-r6" });
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  const old = world.sim.store.get(JOBS, NAMESPACE, "old-terminating");
  world.sim.store.update(JOBS, { ...old, metadata: { ...old.metadata, finalizers: [] } });
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("S1/S2: an orphaned run Secret is collected; a failed Job create takes its Secret with it", async () => {
  const labels = { "app.kubernetes.io/managed-by": "paperclip", "app.kubernetes.io/component": "agent-run", "paperclip.io/adapter-type": "claude_k8s" };
  const old = new Date(Date.now() - 20 * 60_000).toISOString();
  const young = new Date().toISOString();
  world.sim.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "ac-crashed-run", namespace: NAMESPACE, labels, annotations: { "paperclip.io/created-at": old } }, stringData: { prompt: "x" } });
  world.sim.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "ac-starting-run", namespace: NAMESPACE, labels, annotations: { "paperclip.io/created-at": young } }, stringData: { prompt: "x" } });
  world.sim.faults.failRequests({ method: "POST", path: "/jobs$", code: 403 });
  try {
    const handle = runContext(agentConfig(world), { agentId: "agent-s2" });
    const result = await run(handle);
    assert.equal(result.errorCode, "k8s_job_create_failed", String(result.errorMessage));
    assert.match(String(result.errorMessage), /deploy\/rbac\.yaml/);
  } finally {
    world.sim.faults.clear();
  }
  const names = () => world.sim.store.list(SECRETS, NAMESPACE).items.map((s) => s.metadata?.name);
  await waitFor(() => !names().includes("ac-crashed-run"), 10_000, "the orphan collected");
  assert.deepEqual(names().filter((n) => n?.startsWith("ac-")), ["ac-starting-run"], "the young Secret stays, the failed run's Secret is gone");
  world.sim.store.delete(SECRETS, NAMESPACE, "ac-starting-run");
});

test("R1: the replica following a Job is killed (SIGKILL); the next run pings, hears nothing, adopts, and nothing reruns", async () => {
  const script = fileURLToPath(new URL("./fixtures/bin/execute-once.ts", import.meta.url));
  const config = agentConfig(world);
  const child = spawn(process.execPath, ["--conditions=source", script, JSON.stringify(config), "run-crashed", "agent-r1"], { stdio: "ignore" });
  try {
    await waitFor(() => world.sim.store.list(PODS, NAMESPACE).items.some((p) => p.metadata?.labels?.["paperclip.io/agent-id"] === "agent-r1"
      && (p as { status?: { phase?: string } }).status?.phase === "Running"), 30_000, "the crashed replica's pod to run");
  } finally {
    child.kill("SIGKILL");
  }
  const job = jobsEverCreated("agent-r1")[0] ?? "";
  const handle = runContext(config, { agentId: "agent-r1" });
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  const k8s = (result.resultJson as { k8s: { adopted: boolean; job: string } }).k8s;
  assert.deepEqual([k8s.job, k8s.adopted], [job, true]);
  assert.deepEqual(jobsEverCreated("agent-r1"), [job], "no second Job");
  assert.equal(world.sim.runtime?.groundTruth.containerExits().filter((e) => e.pod.startsWith(`${job}-`)).length, 1, "the pod ran once");
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});
