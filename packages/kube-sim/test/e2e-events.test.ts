// Events as a client-node client reads them from a real cluster: the Job controller's, the
// scheduler's and the kubelet's, with their real reasons, messages and fields, one object seen
// through core/v1 and events.k8s.io/v1, repeats aggregated into a count.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { EventsV1Api } from "@kubernetes/client-node";
import type { CoreV1Event, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { jobManifest, mainState, podOfJob, podPath, pollUntil, postFault, startClient, stopClient, watchUntil, jobFinished, jobPath } from "./support/client.ts";
import type { Client } from "./support/client.ts";
import type { V1Job } from "@kubernetes/client-node";

let client: Client;

before(async () => {
  client = await startClient({ runtime: { restartBackoffMs: 100 } });
});

after(async () => {
  await stopClient(client);
});

async function eventsOf(kind: string, name: string): Promise<CoreV1Event[]> {
  const list = await client.core.listNamespacedEvent({ namespace: "default",
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
  return list.items;
}

/** Polls until the object's events include every reason in `reasons`. */
async function eventsWith(kind: string, name: string, reasons: string[]): Promise<CoreV1Event[]> {
  return pollUntil(async () => {
    const events = await eventsOf(kind, name);
    return reasons.every((r) => events.some((e) => e.reason === r)) ? events : undefined;
  }, `${kind} ${name} events ${reasons.join(", ")}`);
}

function byReason(events: CoreV1Event[], reason: string): CoreV1Event {
  const found = events.find((e) => e.reason === reason);
  assert.ok(found, `an event ${reason} among ${events.map((e) => e.reason).join(", ")}`);
  return found;
}

async function runJob(job: V1Job): Promise<void> {
  await client.batch.createNamespacedJob({ namespace: "default", body: job });
  await watchUntil<V1Job>(client.kc, jobPath(), { fieldSelector: `metadata.name=${job.metadata?.name ?? ""}` },
    (seen) => jobFinished(seen.at(-1)?.object), `Job ${job.metadata?.name ?? ""} to finish`, 15_000);
}

test("a Job that completes: job-controller, default-scheduler and kubelet events with real fields", { timeout: 30_000 }, async () => {
  await runJob(jobManifest("ev-ok", "echo hi"));
  const pod = await podOfJob(client, "ev-ok");
  const podName = pod.metadata?.name ?? "";
  assert.equal(pod.metadata?.annotations?.["batch.kubernetes.io/job-tracking"], undefined, "pods carry no job-tracking annotation");
  assert.equal(pod.metadata?.labels?.["batch.kubernetes.io/job-name"], "ev-ok");
  assert.equal(pod.metadata?.labels?.["job-name"], "ev-ok");
  const jobEvents = await eventsWith("Job", "ev-ok", ["SuccessfulCreate", "Completed"]);
  const created = byReason(jobEvents, "SuccessfulCreate");
  assert.equal(created.message, `Created pod: ${podName}`);
  assert.equal(created.type, "Normal");
  assert.deepEqual({ ...created.source }, { component: "job-controller" });
  assert.equal(created.reportingComponent, "job-controller");
  assert.equal(created.reportingInstance, "");
  assert.equal(created.count, 1);
  assert.ok(created.firstTimestamp instanceof Date && created.lastTimestamp instanceof Date);
  assert.equal(created.involvedObject.kind, "Job");
  assert.equal(created.involvedObject.apiVersion, "batch/v1");
  assert.equal(created.involvedObject.namespace, "default");
  assert.match(created.involvedObject.uid ?? "", /^[0-9a-f-]{36}$/);
  assert.match(created.involvedObject.resourceVersion ?? "", /^\d+$/);
  assert.equal(byReason(jobEvents, "Completed").message, "Job completed");

  const podEvents = await eventsWith("Pod", podName, ["Scheduled", "Pulling", "Pulled", "Created", "Started"]);
  const scheduled = byReason(podEvents, "Scheduled");
  assert.equal(scheduled.message, `Successfully assigned default/${podName} to sim-node-1`);
  assert.equal(scheduled.reportingComponent, "default-scheduler");
  assert.equal(scheduled.action, "Binding");
  assert.ok(scheduled.eventTime, "the scheduler reports through events.k8s.io: eventTime is set");
  assert.equal(scheduled.involvedObject.fieldPath, undefined);
  const started = byReason(podEvents, "Started");
  assert.equal(started.message, "Started container main");
  assert.equal(started.involvedObject.fieldPath, "spec.containers{main}");
  assert.deepEqual({ ...started.source }, { component: "kubelet", host: "sim-node-1" });
  assert.equal(started.reportingInstance, "sim-node-1");
  assert.equal(byReason(podEvents, "Created").message, "Created container main");
  assert.equal(byReason(podEvents, "Pulling").message, 'Pulling image "busybox"'); // no tag: policy Always
  assert.match(byReason(podEvents, "Pulled").message ?? "", /^Successfully pulled image "busybox" in \S+ \(\S+ including waiting\)$/);
  const order = podEvents.map((e) => e.reason);
  assert.ok(order.indexOf("Scheduled") < order.indexOf("Pulling") && order.indexOf("Created") < order.indexOf("Started"), order.join(","));
});

test("events.k8s.io/v1 serves the same objects as core/v1 events", { timeout: 20_000 }, async () => {
  const core = await eventsWith("Job", "ev-ok", ["SuccessfulCreate"]);
  const eventsApi = client.kc.makeApiClient(EventsV1Api);
  const list = await eventsApi.listNamespacedEvent({ namespace: "default", fieldSelector: "regarding.name=ev-ok" });
  const coreCreated = byReason(core, "SuccessfulCreate");
  const v1 = list.items.find((e) => e.metadata?.name === coreCreated.metadata?.name);
  assert.ok(v1, "the same event by name");
  assert.equal(v1.note, coreCreated.message);
  assert.equal(v1.reportingController, "job-controller");
  assert.equal(v1.regarding?.uid, coreCreated.involvedObject.uid);
  assert.equal(v1.deprecatedCount, 1);
  assert.deepEqual({ ...v1.deprecatedSource }, { component: "job-controller" });
  assert.equal(v1.metadata?.resourceVersion, coreCreated.metadata?.resourceVersion);
});

test("a pinned image tag is already present; failures are Warnings with the real reasons", { timeout: 30_000 }, async () => {
  await runJob(jobManifest("ev-fail", "exit 3", {}, { containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "exit 3"] }] }));
  const jobEvents = await eventsWith("Job", "ev-fail", ["BackoffLimitExceeded"]);
  const failed = byReason(jobEvents, "BackoffLimitExceeded");
  assert.equal(failed.type, "Warning");
  assert.equal(failed.message, "Job has reached the specified backoff limit");
  const pod = await podOfJob(client, "ev-fail");
  const podEvents = await eventsWith("Pod", pod.metadata?.name ?? "", ["Pulled"]);
  assert.equal(byReason(podEvents, "Pulled").message, 'Container image "busybox:1.36" already present on machine');
  assert.ok(!podEvents.some((e) => e.reason === "Pulling"), "no pull for IfNotPresent");

  // A 1 s grace: `sleep` as PID 1 ignores SIGTERM and lives to the grace period's SIGKILL, as on a node.
  await runJob(jobManifest("ev-deadline", "sleep 30", { activeDeadlineSeconds: 1 }, { terminationGracePeriodSeconds: 1 }));
  const deadline = byReason(await eventsWith("Job", "ev-deadline", ["DeadlineExceeded"]), "DeadlineExceeded");
  assert.equal(deadline.message, "Job was active longer than specified deadline");
  assert.equal(deadline.type, "Warning");
  // The pod is gone by now (deleted at the deadline); its name is in the controller's event.
  const deadlinePod = (byReason(await eventsOf("Job", "ev-deadline"), "SuccessfulCreate").message ?? "").replace("Created pod: ", "");
  assert.ok(byReason(await eventsOf("Job", "ev-deadline"), "SuccessfulDelete").message === `Deleted pod: ${deadlinePod}`);
  const killing = byReason(await eventsWith("Pod", deadlinePod, ["Killing"]), "Killing");
  assert.equal(killing.message, "Stopping container main");
  assert.equal(killing.involvedObject.fieldPath, "spec.containers{main}");
});

async function createPod(name: string, spec: Partial<V1PodSpec>): Promise<V1Pod> {
  return client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "exit 1"] }], ...spec } } });
}

test("scheduling and image failures, and a crash loop whose BackOff event counts up", { timeout: 30_000 }, async () => {
  await createPod("ev-nowhere", { nodeSelector: { disk: "ssd" } });
  const unschedulable = byReason(await eventsWith("Pod", "ev-nowhere", ["FailedScheduling"]), "FailedScheduling");
  assert.equal(unschedulable.type, "Warning");
  assert.equal(unschedulable.reportingComponent, "default-scheduler");
  assert.match(unschedulable.message ?? "", /^0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector/);

  await createPod("ev-noimage", { containers: [{ name: "main", image: "registry.example/none:1" }] });
  const pull = await eventsWith("Pod", "ev-noimage", ["Failed", "BackOff"]);
  assert.ok(pull.some((e) => e.reason === "Failed" && e.message === "Error: ErrImagePull" && e.type === "Warning"));
  assert.ok(pull.some((e) => e.reason === "Failed" && e.message?.startsWith('Failed to pull image "registry.example/none:1": ')));
  assert.equal(byReason(pull, "BackOff").message, 'Back-off pulling image "registry.example/none:1"');

  const crashing = await createPod("ev-crash", {});
  const backOff = await pollUntil(async () => {
    const found = (await eventsOf("Pod", "ev-crash")).find((e) => e.reason === "BackOff");
    return (found?.count ?? 0) >= 2 ? found : undefined;
  }, "a BackOff event seen twice");
  assert.equal(backOff.message, `Back-off restarting failed container main in pod ev-crash_default(${crashing.metadata?.uid ?? ""})`);
  assert.equal(backOff.type, "Warning");
  assert.ok((backOff.lastTimestamp?.getTime() ?? 0) >= (backOff.firstTimestamp?.getTime() ?? Infinity));
  const same = (await eventsOf("Pod", "ev-crash")).filter((e) => e.reason === "BackOff");
  assert.equal(same.length, 1, "repeats raise the count of one event");
  await client.core.deleteNamespacedPod({ name: "ev-crash", namespace: "default", gracePeriodSeconds: 0 });
});

test("node-pressure eviction: a Warning Evicted event, Killing, and a Failed pod with reason Evicted", { timeout: 20_000 }, async () => {
  await createPod("ev-pressure", { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 30"] }] });
  await watchUntil<V1Pod>(client.kc, podPath(), { fieldSelector: "metadata.name=ev-pressure" },
    (seen) => mainState(seen.at(-1)?.object)?.running !== undefined, "pod ev-pressure to run");
  const fault = await postFault(client.sim, { fault: "evictForNodePressure", args: ["default", "ev-pressure", "memory"] });
  assert.deepEqual(fault, { status: 200, body: { ok: true, result: true } });
  const events = await eventsWith("Pod", "ev-pressure", ["Evicted", "Killing"]);
  const evicted = byReason(events, "Evicted");
  assert.equal(evicted.type, "Warning");
  assert.equal(evicted.message, "The node was low on resource: memory. ");
  assert.deepEqual({ ...evicted.source }, { component: "kubelet", host: "sim-node-1" });
  const failed = await pollUntil(async () => {
    const pod = await client.core.readNamespacedPod({ name: "ev-pressure", namespace: "default" });
    return pod.status?.reason === "Evicted" ? pod : undefined;
  }, "the pod to be Failed with reason Evicted");
  assert.equal(failed.status?.phase, "Failed");
  assert.equal(failed.status?.message, "The node was low on resource: memory. ");
  const disruption = failed.status?.conditions?.find((c) => c.type === "DisruptionTarget");
  assert.equal(disruption?.reason, "TerminationByKubelet");
});
