// Job and pod lifecycles with real processes, as a client-node watch sees them over HTTP:
// phases, container terminated state, condition order, counters, activeDeadlineSeconds, and
// the condition-lag and terminated-state-delay faults.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { mainState, alive, containerProcesses, eventually, jobFinished, jobManifest, jobPath, named, podOfJob, podPath, pollUntil, postFault, readLog,
  startClient, stopClient, startWatch, trueConditions } from "./support/client.ts";
import type { Client, SeenEvent } from "./support/client.ts";

let client: Client;
const pids: number[] = [];

before(async () => {
  client = await startClient();
});

after(async () => {
  await stopClient(client);
  for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} outlived the sim`);
});

/** Watches the Job and its pods (connected before `create`) until the Job is finished and `podDone`. */
async function watchJob(name: string, create: () => Promise<unknown>,
  podDone: (pods: SeenEvent<V1Pod>[]) => boolean = () => true) {
  const { kc } = client;
  const pods = startWatch<V1Pod>(kc, podPath(), { labelSelector: `batch.kubernetes.io/job-name=${name}` },
    podDone, `the pods of ${name}`);
  const jobs = startWatch<V1Job>(kc, jobPath(), { fieldSelector: `metadata.name=${name}` },
    (events) => jobFinished(events.at(-1)?.object), `Job ${name} to finish`);
  await Promise.all([pods.connected, jobs.connected]);
  await create();
  return { jobs: await jobs.result, pods: await pods.result };
}

/** Creates the Job from `jobManifest(name, script, spec)` and watches it to the end. */
function runJob(name: string, script: string, spec: Record<string, unknown> = {},
  podDone: (pods: SeenEvent<V1Pod>[]) => boolean = terminated) {
  return watchJob(name, () => client.batch.createNamespacedJob({ namespace: "default", body: jobManifest(name, script, spec) }), podDone);
}


function terminated(events: SeenEvent<V1Pod>[]): boolean {
  return mainState(events.at(-1)?.object)?.terminated !== undefined;
}


test("a Job that exits 0: pod Pending → Running → Succeeded, terminated Completed, SuccessCriteriaMet before Complete", { timeout: 15_000 }, async () => {
  const { jobs, pods } = await runJob("ok", "echo one; echo two; sleep 0.3; echo three");
  const phases = pods.map((e) => e.object.status?.phase).filter((p, i, all) => p !== undefined && p !== all[i - 1]);
  assert.deepEqual(phases, ["Pending", "Running", "Succeeded"]);
  const state = mainState(pods.at(-1)?.object)?.terminated;
  assert.ok(state, "the container's terminated state is visible");
  assert.equal(state.exitCode, 0);
  assert.equal(state.reason, "Completed");
  assert.ok(state.startedAt && state.finishedAt && state.startedAt <= state.finishedAt, "startedAt ≤ finishedAt");
  const job = jobs.at(-1)?.object;
  assert.equal(job?.status?.succeeded, 1);
  assert.ok(job?.status?.completionTime, "completionTime is set");
  const types = (job?.status?.conditions ?? []).map((c) => c.type);
  assert.deepEqual(types, ["SuccessCriteriaMet", "Complete"]);
  const firstWithCondition = jobs.find((e) => trueConditions(e.object).length > 0)?.object;
  assert.deepEqual(trueConditions(firstWithCondition), ["SuccessCriteriaMet"], "SuccessCriteriaMet arrives alone first");
  const pod = pods.at(-1)?.object.metadata?.name ?? "";
  assert.equal((await readLog(client.kc, "default", pod, "main", {})).text, "one\ntwo\nthree\n");
});

test("a Job that exits 3 with backoffLimit 0: FailureTarget before Failed (BackoffLimitExceeded), failed 1", { timeout: 15_000 }, async () => {
  const { jobs, pods } = await runJob("bad", "echo failing; exit 3");
  const state = mainState(pods.at(-1)?.object)?.terminated;
  assert.equal(state?.exitCode, 3);
  assert.equal(state?.reason, "Error");
  assert.equal(pods.at(-1)?.object.status?.phase, "Failed");
  const job = jobs.at(-1)?.object;
  assert.equal(job?.status?.failed, 1);
  assert.equal(job?.status?.succeeded ?? 0, 0);
  const conditions = job?.status?.conditions ?? [];
  assert.deepEqual(conditions.map((c) => c.type), ["FailureTarget", "Failed"]);
  assert.ok(conditions.every((c) => c.reason === "BackoffLimitExceeded"), JSON.stringify(conditions));
  const firstWithCondition = jobs.find((e) => trueConditions(e.object).length > 0)?.object;
  assert.deepEqual(trueConditions(firstWithCondition), ["FailureTarget"]);
});

test("activeDeadlineSeconds 1 on sleep 30: DeadlineExceeded and the process is dead", { timeout: 30_000 }, async () => {
  const started = Date.now();
  // The shell (PID 1, no TERM handler) ignores the SIGTERM: the grace period's SIGKILL ends it.
  const watched = watchJob("late", () => client.batch.createNamespacedJob({ namespace: "default",
    body: jobManifest("late", "sleep 30 & echo started; wait", { activeDeadlineSeconds: 1 }, { terminationGracePeriodSeconds: 1 }) }), terminated);
  const pod = await podOfJob(client, "late");
  const podName = pod.metadata?.name ?? "";
  await pollUntil(async () => ((await readLog(client.kc, "default", podName, "main", {}, 3000)).text.includes("started\n") ? true : undefined),
    "the container's first line");
  // Host pids of the container's processes (its own `$!` would be a pid of its PID namespace).
  const running = containerProcesses(new Set([podName]));
  assert.ok(running.length >= 2, `the shell and the sleep run before the deadline: ${running.join(", ")}`);
  pids.push(...running);
  const { jobs } = await watched;
  const failed = jobs.at(-1)?.object.status?.conditions?.find((c) => c.type === "Failed");
  assert.equal(failed?.reason, "DeadlineExceeded");
  assert.ok(Date.now() - started < 10_000, "the deadline ended the Job long before sleep 30 would");
  assert.ok(await eventually(() => running.every((pid) => !alive(pid)), 3000), `pids ${running.join(", ")} are gone`);
  const exits = client.sim.runtime?.groundTruth.containerExits({ namespace: "default", pod: podName }) ?? [];
  assert.equal(exits.length, 1, "ground truth has the container's exit");
  assert.notEqual(exits[0]?.exitCode, 0);
});

test("condition lag L: SuccessCriteriaMet and Complete both come about L after the exit, not 2 L", { timeout: 15_000 }, async () => {
  const lagMs = 2000;
  assert.equal((await postFault(client.sim, { fault: "setConditionLag", args: [lagMs] })).status, 200);
  try {
    const { jobs, pods } = await runJob("lagged", "echo done");
    const terminatedAt = pods.find((e) => mainState(e.object)?.terminated !== undefined)?.atMs;
    const criteriaAt = jobs.find((e) => trueConditions(e.object).includes("SuccessCriteriaMet"))?.atMs;
    const completeAt = jobs.find((e) => trueConditions(e.object).includes("Complete"))?.atMs;
    assert.ok(terminatedAt !== undefined && criteriaAt !== undefined && completeAt !== undefined);
    // A slow controller is late once: the lag counts from when the first terminal condition was due.
    assert.ok(criteriaAt - terminatedAt >= lagMs * 0.9,
      `SuccessCriteriaMet came ${criteriaAt - terminatedAt} ms after the terminated state; the lag is ${lagMs} ms`);
    assert.ok(completeAt - terminatedAt < lagMs * 1.5,
      `Complete came ${completeAt - terminatedAt} ms after the terminated state: the lag of ${lagMs} ms was applied twice`);
  } finally {
    client.sim.runtime?.faults.setConditionLag(0);
  }
});

test("by default the terminal phase comes in the same pod update as the terminated state (kubelet 1.24+)", { timeout: 15_000 }, async () => {
  const { pods } = await runJob("onewrite", "exit 3", { backoffLimit: 0 });
  const terminal = pods.filter((e) => e.object.status?.phase === "Failed");
  assert.ok(terminal.length > 0, "the client saw the pod fail");
  for (const event of terminal) assert.equal(mainState(event.object)?.terminated?.exitCode, 3, "every Failed version has the exit");
  const running = pods.filter((e) => mainState(e.object)?.running !== undefined);
  assert.ok(running.every((e) => e.object.status?.phase === "Running"), "no version shows a terminal phase with a running container");
});

test("terminated-state delay: the client sees phase Succeeded while the container is not yet terminated", { timeout: 15_000 }, async () => {
  assert.equal((await postFault(client.sim, { fault: "setTerminatedStateDelay", args: [400] })).status, 200);
  try {
    const { pods } = await runJob("slowstate", "echo done");
    const early = named(pods, pods.at(-1)?.object.metadata?.name ?? "")
      .find((e) => e.object.status?.phase === "Succeeded" && mainState(e.object)?.terminated === undefined);
    assert.ok(early, "a pod version with phase Succeeded and no terminated state reached the client");
    const late = pods.find((e) => mainState(e.object)?.terminated !== undefined);
    assert.ok(late && late.atMs - early.atMs >= 300, "the terminated state came about 400 ms later");
  } finally {
    client.sim.runtime?.faults.setTerminatedStateDelay(0);
  }
});
