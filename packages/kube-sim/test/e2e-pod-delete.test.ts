// Pods end the way real pods end, as a client-node client sees it: DELETE answers the pod with
// deletionTimestamp = now + grace and deletionGracePeriodSeconds = grace (the request's, the
// pod's terminationGracePeriodSeconds, or 30), no finalizer of the simulator's own; the pod and
// its log stay readable while it terminates; then it is gone. A later delete may shorten the grace.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { jobManifest, mainState, podOfJob, podPath, pollUntil, readLog, startClient, startWatch, stopClient, watchUntil } from "./support/client.ts";
import type { Client } from "./support/client.ts";

let client: Client;

before(async () => {
  client = await startClient();
});

after(async () => {
  await stopClient(client);
});

async function runningPod(name: string, script: string, spec: Partial<V1PodSpec> = {}): Promise<V1Pod> {
  await client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }], ...spec } } });
  const events = await watchUntil<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${name}` },
    (seen) => mainState(seen.at(-1)?.object)?.running !== undefined, `pod ${name} to run`);
  return events.at(-1)?.object as V1Pod;
}

/** Running is reported at spawn; "up" in the log says the script has set its trap. */
async function saidUp(name: string): Promise<void> {
  await pollUntil(async () => ((await readLog(client.kc, "default", name, "main", {})).text.startsWith("up\n") ? true : undefined),
    `the first log line of pod ${name}`);
}

/** deletionTimestamp (whole seconds) lies `grace` seconds after the request, give or take the rounding. */
function assertDeadline(pod: V1Pod, sentAtMs: number, answeredAtMs: number, grace: number): void {
  const at = pod.metadata?.deletionTimestamp?.getTime() ?? 0;
  assert.ok(at >= sentAtMs + grace * 1000 - 1000 && at <= answeredAtMs + grace * 1000,
    `deletionTimestamp ${pod.metadata?.deletionTimestamp?.toISOString()} is about ${grace}s after the request`);
}

test("DELETE: Terminating with the pod's grace, readable with its log until its process has gone", { timeout: 20_000 }, async () => {
  await runningPod("graceful", "trap 'echo got TERM; sleep 1; exit 0' TERM; echo up; while true; do sleep 0.1; done",
    { terminationGracePeriodSeconds: 7 });
  await saidUp("graceful");
  const gone = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: "metadata.name=graceful" },
    (seen) => seen.some((e) => e.type === "DELETED"), "pod graceful to be deleted", 10_000);
  await gone.connected;
  const sentAt = Date.now();
  const answer = await client.core.deleteNamespacedPod({ name: "graceful", namespace: "default" });
  assertDeadline(answer, sentAt, Date.now(), 7);
  assert.equal(answer.metadata?.deletionGracePeriodSeconds, 7);
  assert.equal(answer.metadata?.finalizers, undefined, "no finalizer of the simulator's own");
  const terminating = await client.core.readNamespacedPod({ name: "graceful", namespace: "default" });
  assert.ok(terminating.metadata?.deletionTimestamp, "still readable while terminating");
  const log = await readLog(client.kc, "default", "graceful", "main", {});
  assert.match(log.text, /^up\n/);
  const events = await gone.result;
  const deleted = events.find((e) => e.type === "DELETED");
  assert.ok((deleted?.atMs ?? Infinity) < sentAt + 7000, "gone once its process exited, before the grace ran out");
  const before = events.filter((e) => e.type === "MODIFIED" && e.object.metadata?.deletionTimestamp);
  assert.ok(before.every((e) => e.object.metadata?.finalizers === undefined));
});

test("DELETE gracePeriodSeconds wins; a second, shorter delete cuts the grace (SIGKILL then)", { timeout: 20_000 }, async () => {
  await runningPod("stubborn", "trap '' TERM; echo up; while true; do sleep 0.1; done");
  await saidUp("stubborn");
  const sentAt = Date.now();
  const first = await client.core.deleteNamespacedPod({ name: "stubborn", namespace: "default", gracePeriodSeconds: 40 });
  assert.equal(first.metadata?.deletionGracePeriodSeconds, 40);
  assertDeadline(first, sentAt, Date.now(), 40);
  const gone = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: "metadata.name=stubborn" },
    (seen) => seen.some((e) => e.type === "DELETED"), "pod stubborn to be deleted", 10_000);
  await gone.connected;
  const second = await client.core.deleteNamespacedPod({ name: "stubborn", namespace: "default", gracePeriodSeconds: 1 });
  assert.equal(second.metadata?.deletionGracePeriodSeconds, 1);
  await gone.result;
});

test("a Job's pod defaults to 30 s; an unscheduled pod goes at once", { timeout: 20_000 }, async () => {
  await client.batch.createNamespacedJob({ namespace: "default", body: jobManifest("del-job", "echo up; sleep 30") });
  const pod = await podOfJob(client, "del-job");
  await watchUntil<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${pod.metadata?.name ?? ""}` },
    (seen) => mainState(seen.at(-1)?.object)?.running !== undefined, "the Job's pod to run");
  const answer = await client.core.deleteNamespacedPod({ name: pod.metadata?.name ?? "", namespace: "default" });
  assert.equal(answer.metadata?.deletionGracePeriodSeconds, 30);
  assert.deepEqual(answer.metadata?.finalizers, ["batch.kubernetes.io/job-tracking"], "only the Job controller's finalizer");
  await client.batch.deleteNamespacedJob({ name: "del-job", namespace: "default", propagationPolicy: "Background" });

  await client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "nowhere" },
    spec: { nodeSelector: { disk: "ssd" }, containers: [{ name: "main", image: "busybox" }] } } });
  await client.core.deleteNamespacedPod({ name: "nowhere", namespace: "default" });
  await assert.rejects(client.core.readNamespacedPod({ name: "nowhere", namespace: "default" }), (error: { code?: number }) => error.code === 404);
});
