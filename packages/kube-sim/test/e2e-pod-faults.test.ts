// Runtime faults and deletion as a client-node client sees them over HTTP: OOM kill, eviction,
// graceful deletion of a process that traps TERM, Job deletion with each propagation policy
// (GC of pods and an owned Secret), and the TTL controller.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { mainState, containerProcesses, jobManifest, jobPath, podOfJob, podPath, pollUntil, postFault, readLog, startClient, stopClient, startWatch,
  trueConditions } from "./support/client.ts";
import type { Client, SeenEvent } from "./support/client.ts";

let client: Client;

before(async () => {
  client = await startClient();
});

after(async () => {
  await stopClient(client);
});


/** Creates a bare pod running `script` and resolves once the client sees it running. */
async function runPod(name: string, script: string, spec: Record<string, unknown> = {}): Promise<void> {
  const running = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${name}` },
    (events) => mainState(events.at(-1)?.object)?.running !== undefined, `pod ${name} to run`);
  await running.connected;
  await client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }], ...spec } } });
  await running.result;
}

/** Waits until the pod's log has printed "ready" (its TERM trap is installed by then). */
async function waitReady(name: string): Promise<void> {
  await pollUntil(async () => ((await readLog(client.kc, "default", name, "main", {})).text.includes("ready\n") ? true : undefined),
    `pod ${name} to print ready`, 3000);
}

/** Watches one pod until it is DELETED; returns every event. */
function watchPodToDeletion(name: string, timeoutMs = 8000) {
  return startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${name}` },
    (events) => events.at(-1)?.type === "DELETED", `pod ${name} to be deleted`, timeoutMs);
}

async function gone(read: () => Promise<unknown>, what: string): Promise<void> {
  await pollUntil(async () => {
    try {
      await read();
      return undefined;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return true;
      throw error;
    }
  }, `${what} to be gone`);
}

test("OOM kill: terminated OOMKilled with exit code 137, pod Failed", { timeout: 15_000 }, async () => {
  await runPod("oom", "exec sleep 30");
  const watch = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: "metadata.name=oom" },
    (events) => mainState(events.at(-1)?.object)?.terminated !== undefined, "the OOM kill to show");
  await watch.connected;
  const answer = await postFault(client.sim, { fault: "oomKill", args: ["default", "oom", "main"] });
  assert.deepEqual(answer, { status: 200, body: { ok: true, result: true } });
  const pod = (await watch.result).at(-1)?.object;
  assert.equal(mainState(pod)?.terminated?.reason, "OOMKilled");
  assert.equal(mainState(pod)?.terminated?.exitCode, 137);
  assert.equal(pod?.status?.phase, "Failed");
});

test("eviction through the API: DisruptionTarget, then the pod is gone", { timeout: 15_000 }, async () => {
  await runPod("evictee", "exec sleep 30", { terminationGracePeriodSeconds: 1 });
  const watch = watchPodToDeletion("evictee");
  await watch.connected;
  await client.core.createNamespacedPodEviction({ name: "evictee", namespace: "default",
    body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "evictee", namespace: "default" } } });
  const events = await watch.result;
  const disrupted = events.find((e) => trueConditions(e.object).includes("DisruptionTarget"));
  assert.ok(disrupted, "a pod version with DisruptionTarget=True reached the client");
  assert.equal(disrupted.object.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.reason, "EvictionByEvictionAPI");
  await gone(() => client.core.readNamespacedPod({ name: "evictee", namespace: "default" }), "the evicted pod");
});

test("the evict and deletePod faults over the admin endpoint: DisruptionTarget, grace override", { timeout: 15_000 }, async () => {
  // sleep as PID 1 ignores SIGTERM (no handler): the grace period is what ends it.
  await runPod("evict-fault", "exec sleep 30", { terminationGracePeriodSeconds: 1 });
  await runPod("delete-fault", "trap 'echo TERM' TERM; echo ready; while :; do sleep 0.1; done", { terminationGracePeriodSeconds: 30 });
  await waitReady("delete-fault");
  const evicted = watchPodToDeletion("evict-fault");
  const deleted = watchPodToDeletion("delete-fault");
  await Promise.all([evicted.connected, deleted.connected]);
  const startedAt = Date.now();
  assert.equal((await postFault(client.sim, { fault: "evict", args: ["default", "evict-fault"] })).status, 200);
  assert.equal((await postFault(client.sim, { fault: "deletePod", args: ["default", "delete-fault", 1] })).status, 200);
  const evictEvents = await evicted.result;
  assert.ok(evictEvents.some((e) => trueConditions(e.object).includes("DisruptionTarget")));
  const deleteEvents = await deleted.result;
  const elapsed = (deleteEvents.at(-1)?.atMs ?? 0) - startedAt;
  assert.ok(elapsed >= 900 && elapsed < 4000, `the grace override (1 s, not the pod's 30 s) held: ${elapsed} ms`);
});

test("deleting a pod whose process traps TERM: TERM delivered, SIGKILL after the grace period", { timeout: 15_000 }, async () => {
  await runPod("trapper", "trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.1; done", { terminationGracePeriodSeconds: 2 });
  await waitReady("trapper");
  const watch = watchPodToDeletion("trapper");
  await watch.connected;
  const deletedAt = Date.now();
  await client.core.deleteNamespacedPod({ name: "trapper", namespace: "default" });
  const term = await pollUntil(async () => {
    const log = await readLog(client.kc, "default", "trapper", "main", {});
    return log.text.includes("got TERM") ? log.text : undefined;
  }, "the trap to print", 3000);
  assert.equal(term, "ready\ngot TERM\n");
  const events = await watch.result;
  const elapsed = (events.at(-1)?.atMs ?? 0) - deletedAt;
  assert.ok(events.some((e) => e.type === "MODIFIED" && e.object.metadata?.deletionTimestamp), "visible with deletionTimestamp during grace");
  assert.ok(elapsed >= 1800 && elapsed < 5000, `the pod went ${elapsed} ms after the delete (grace 2 s)`);
  const exits = client.sim.runtime?.groundTruth.containerExits({ namespace: "default", pod: "trapper" }) ?? [];
  assert.equal(exits[0]?.exitCode, 137, "killed by SIGKILL, not by the TERM it trapped");
});

test("the command is PID 1 of its own PID namespace: a shell without a TERM handler lives until SIGKILL", { timeout: 15_000 }, async () => {
  // The shell reads its own pid from /proc/self/stat (kubelet expansion would turn "$$" into "$").
  const script = `read -r own _ < /proc/self/stat; echo "pid=$own"; test -e /proc/${process.pid} && echo host-visible; echo ready; while :; do sleep 0.1; done`;
  await runPod("pid-one", script, { terminationGracePeriodSeconds: 2 });
  await waitReady("pid-one");
  const namespaced = client.sim.runtime?.kubelet.isolation === "namespace";
  const log = (await readLog(client.kc, "default", "pid-one", "main", {})).text;
  // Direct isolation (not root) keeps the documented fallback: an ordinary process, default TERM action.
  assert.equal(log.split("\n")[0], namespaced ? "pid=1" : `pid=${String(log.match(/pid=(\d+)/)?.[1])}`);
  assert.doesNotMatch(log, /host-visible/, "the container's /proc shows its own PID namespace only");
  const watch = watchPodToDeletion("pid-one");
  await watch.connected;
  const deletedAt = Date.now();
  await client.core.deleteNamespacedPod({ name: "pid-one", namespace: "default" });
  const elapsed = ((await watch.result).at(-1)?.atMs ?? 0) - deletedAt;
  const exits = client.sim.runtime?.groundTruth.containerExits({ namespace: "default", pod: "pid-one" }) ?? [];
  if (!namespaced) {
    assert.equal(exits[0]?.exitCode, 143, "direct isolation: the shell is not PID 1 and dies of SIGTERM");
    return;
  }
  assert.ok(elapsed >= 1800, `PID 1 ignored SIGTERM and lived through the grace period (2 s): gone after ${elapsed} ms`);
  assert.equal(exits[0]?.exitCode, 137, "ended by the SIGKILL at the end of the grace period");
});

/** A running Job (sleep 30, grace 1 s) with a Secret owned by it. */
async function jobWithSecret(name: string): Promise<{ job: V1Job; pod: string }> {
  const job = await client.batch.createNamespacedJob({ namespace: "default",
    body: jobManifest(name, "exec sleep 30", {}, { terminationGracePeriodSeconds: 1 }) });
  await client.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: `${name}-secret`,
    ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: job.metadata?.uid ?? "" }] }, stringData: { k: "v" } } });
  const pod = (await podOfJob(client, name)).metadata?.name ?? "";
  return { job, pod };
}

test("Job delete, Background: the Job, its pods and its owned Secret are gone", { timeout: 15_000 }, async () => {
  const { pod } = await jobWithSecret("bg");
  await client.batch.deleteNamespacedJob({ name: "bg", namespace: "default", propagationPolicy: "Background" });
  await gone(() => client.batch.readNamespacedJob({ name: "bg", namespace: "default" }), "the Job");
  await gone(() => client.core.readNamespacedPod({ name: pod, namespace: "default" }), "the Job's pod");
  await gone(() => client.core.readNamespacedSecret({ name: "bg-secret", namespace: "default" }), "the owned Secret");
});

test("Job delete, Foreground: the Job stays with deletionTimestamp until its pods are gone", { timeout: 15_000 }, async () => {
  const { pod } = await jobWithSecret("fg");
  const jobs = startWatch<V1Job>(client.kc, jobPath(), { fieldSelector: "metadata.name=fg" },
    (events) => events.at(-1)?.type === "DELETED", "Job fg to be deleted");
  const pods = watchPodToDeletion(pod);
  await Promise.all([jobs.connected, pods.connected]);
  await client.batch.deleteNamespacedJob({ name: "fg", namespace: "default", propagationPolicy: "Foreground" });
  const [jobEvents, podEvents] = await Promise.all([jobs.result, pods.result]);
  const marked = jobEvents.find((e: SeenEvent<V1Job>) => e.object.metadata?.deletionTimestamp !== undefined && e.type === "MODIFIED");
  assert.ok(marked?.object.metadata?.finalizers?.includes("foregroundDeletion"), "visible with deletionTimestamp and foregroundDeletion");
  const podGoneAt = podEvents.at(-1)?.atMs ?? Infinity;
  assert.ok(podGoneAt <= (jobEvents.at(-1)?.atMs ?? 0), "the pod is gone before the Job");
  assert.ok((jobEvents.at(-1)?.atMs ?? 0) - (marked?.atMs ?? 0) >= 0);
  await gone(() => client.core.readNamespacedSecret({ name: "fg-secret", namespace: "default" }), "the owned Secret");
});

test("Job delete without a policy (Orphan): the pod survives without an ownerReference", { timeout: 15_000 }, async () => {
  const { pod } = await jobWithSecret("orphaner");
  await client.batch.deleteNamespacedJob({ name: "orphaner", namespace: "default" });
  await gone(() => client.batch.readNamespacedJob({ name: "orphaner", namespace: "default" }), "the Job");
  const survivor = await client.core.readNamespacedPod({ name: pod, namespace: "default" });
  assert.equal(survivor.metadata?.deletionTimestamp, undefined);
  assert.deepEqual(survivor.metadata?.ownerReferences ?? [], []);
  assert.equal(mainState(survivor)?.running !== undefined, true, "its process still runs");
  assert.ok(containerProcesses(new Set([pod])).length >= 1, "the leftover-process check (see after) finds a live container");
  const secret = await client.core.readNamespacedSecret({ name: "orphaner-secret", namespace: "default" });
  assert.deepEqual(secret.metadata?.ownerReferences ?? [], [], "the Secret is orphaned too");
  await client.core.deleteNamespacedPod({ name: pod, namespace: "default", gracePeriodSeconds: 0 });
  await client.core.deleteNamespacedSecret({ name: "orphaner-secret", namespace: "default" });
});

test("ttlSecondsAfterFinished 1: Job, pod and owned Secret are removed after the Job finishes", { timeout: 15_000 }, async () => {
  const watch = startWatch<V1Job>(client.kc, jobPath(), { fieldSelector: "metadata.name=ttl" },
    (seen) => seen.at(-1)?.type === "DELETED", "the TTL to delete Job ttl");
  await watch.connected;
  const job = await client.batch.createNamespacedJob({ namespace: "default",
    body: jobManifest("ttl", "echo bye", { ttlSecondsAfterFinished: 1 }) });
  await client.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "ttl-secret",
    ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "ttl", uid: job.metadata?.uid ?? "" }] }, stringData: { k: "v" } } });
  const pod = (await podOfJob(client, "ttl")).metadata?.name ?? "";
  const events = await watch.result;
  const complete = events.find((e) => trueConditions(e.object).includes("Complete"));
  assert.ok(complete, "the client saw the Job complete first");
  const deletedAt = events.at(-1)?.atMs ?? 0;
  // completionTime has whole-second precision, as on a real cluster: the TTL counts from it.
  const completionMs = Date.parse(String(complete.object.status?.completionTime));
  assert.ok(deletedAt >= completionMs + 1000, `deleted at ${deletedAt}, not before completionTime ${completionMs} + 1 s`);
  assert.ok(deletedAt - complete.atMs < 3000, `deleted ${deletedAt - complete.atMs} ms after the client saw Complete (ttl 1 s)`);
  await gone(() => client.core.readNamespacedPod({ name: pod, namespace: "default" }), "the Job's pod");
  await gone(() => client.core.readNamespacedSecret({ name: "ttl-secret", namespace: "default" }), "the owned Secret");
});
