// Pods as a client-node client sees them: unschedulable, unknown image, Secret env and a Secret
// volume read by a non-root container, the pod's own hostname, and the invariant monitor on Jobs
// sharing an agent label.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import type { V1Job, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { mainState, jobFinished, jobManifest, jobPath, podPath, readLog, startClient, stopClient, startWatch } from "./support/client.ts";
import type { Client, SeenEvent } from "./support/client.ts";

let client: Client;

before(async () => {
  client = await startClient();
});

after(async () => {
  await stopClient(client);
});


/** Creates a pod and watches it (connected first) until `done` holds for its events. */
async function createAndWatch(name: string, spec: Record<string, unknown>, done: (events: SeenEvent<V1Pod>[]) => boolean,
  what: string): Promise<SeenEvent<V1Pod>[]> {
  const watch = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${name}` }, done, what);
  await watch.connected;
  await client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name }, spec: { restartPolicy: "Never", ...spec } as V1PodSpec } });
  return watch.result;
}

/** Runs a busybox pod with `script` to its end and returns its log as the client reads it. */
async function runToEnd(name: string, script: string, spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {}): Promise<string> {
  const events = await createAndWatch(name, { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], ...container }],
    ...spec }, (seen) => mainState(seen.at(-1)?.object)?.terminated !== undefined, `pod ${name} to end`);
  const state = mainState(events.at(-1)?.object)?.terminated;
  const log = (await readLog(client.kc, "default", name, "main", {})).text;
  assert.equal(state?.exitCode, 0, `pod ${name} exited 0; log: ${log}`);
  return log;
}

test("a nodeSelector no node matches: PodScheduled=False, reason Unschedulable", { timeout: 15_000 }, async () => {
  const events = await createAndWatch("nowhere", { nodeSelector: { disktype: "nonexistent-ssd" },
    containers: [{ name: "main", image: "busybox", command: ["true"] }] },
  (seen) => seen.at(-1)?.object.status?.conditions?.some((c) => c.type === "PodScheduled") === true, "the scheduler's verdict");
  const pod = events.at(-1)?.object;
  const scheduled = pod?.status?.conditions?.find((c) => c.type === "PodScheduled");
  assert.equal(scheduled?.status, "False");
  assert.equal(scheduled?.reason, "Unschedulable");
  assert.equal(pod?.status?.phase, "Pending");
  assert.equal(pod?.spec?.nodeName, undefined);
  await client.core.deleteNamespacedPod({ name: "nowhere", namespace: "default" });
});

test("an unknown image: waiting ErrImagePull, then ImagePullBackOff", { timeout: 15_000 }, async () => {
  const events = await createAndWatch("nopull", { containers: [{ name: "main", image: "registry.example.com/team/nope:1.2", command: ["true"] }] },
    (seen) => mainState(seen.at(-1)?.object)?.waiting?.reason === "ImagePullBackOff", "ImagePullBackOff");
  const reasons = events.map((e) => mainState(e.object)?.waiting?.reason).filter((r, i, all) => r !== undefined && r !== all[i - 1]);
  assert.deepEqual(reasons.slice(-2), ["ErrImagePull", "ImagePullBackOff"]);
  assert.match(mainState(events.at(-1)?.object)?.waiting?.message ?? "", /registry\.example\.com\/team\/nope:1\.2/);
  await client.core.deleteNamespacedPod({ name: "nopull", namespace: "default", gracePeriodSeconds: 0 });
});

test("Secret env and a Secret volume (defaultMode 0440, fsGroup 1000) read by a container running as uid 1000", { timeout: 15_000 }, async () => {
  await client.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "creds" },
    stringData: { token: "s3cr3t-value", "api-key": "key-from-env" } } });
  // In "direct" isolation mount paths are not real: the volume's directory is in KUBE_SIM_VOLUME_CREDS.
  const script = [
    "id -u", "id -G", "echo \"env=$API_KEY\"", "dir=${KUBE_SIM_VOLUME_CREDS:-/etc/creds}",
    "echo \"file=$(cat $dir/token)\"", "stat -L -c 'mode=%a gid=%g' $dir/token",
  ].join("; ");
  const log = await runToEnd("reader", script,
    { securityContext: { runAsUser: 1000, fsGroup: 1000 },
      volumes: [{ name: "creds", secret: { secretName: "creds", defaultMode: 0o440 } }] },
    { env: [{ name: "API_KEY", valueFrom: { secretKeyRef: { name: "creds", key: "api-key" } } }],
      volumeMounts: [{ name: "creds", mountPath: "/etc/creds", readOnly: true }] });
  // As root the kubelet switches to uid 1000 with gid 0 and fsGroup 1000 as a supplementary group.
  assert.equal(process.getuid?.(), 0, "these tests run as root (the kubelet switches users only as root)");
  assert.equal(log, "1000\n0 1000\nenv=key-from-env\nfile=s3cr3t-value\nmode=440 gid=1000\n");
});

test("each pod has its own hostname, the pod's name", { timeout: 15_000 }, async () => {
  const hostBefore = hostname();
  const log = await runToEnd("named-host-1", "echo \"env=$HOSTNAME\"; echo \"uts=$(cat /proc/sys/kernel/hostname)\"");
  const [env, uts] = log.split("\n");
  assert.equal(env, "env=named-host-1");
  if (client.sim.runtime?.kubelet.isolation === "namespace") assert.equal(uts, "uts=named-host-1");
  else assert.equal(uts, `uts=${hostBefore}`, "direct isolation shares the host's UTS namespace");
  assert.equal(hostname(), hostBefore, "the host's own hostname is untouched");
});

/** Watches a Job (connected first) from creation until it finishes. */
async function runJob(job: V1Job): Promise<void> {
  const name = job.metadata?.name ?? "";
  const watch = startWatch<V1Job>(client.kc, jobPath(), { fieldSelector: `metadata.name=${name}` },
    (events) => jobFinished(events.at(-1)?.object), `Job ${name} to finish`);
  await watch.connected;
  await client.batch.createNamespacedJob({ namespace: "default", body: job });
  await watch.result;
}

test("invariant monitor: two active Jobs with one agent-id are a violation; sequential Jobs are not", { timeout: 20_000 }, async () => {
  const invariants = client.sim.runtime?.invariants;
  assert.ok(invariants);
  const name = invariants.noTwoActiveJobsPerLabel("paperclip.io/agent-id");
  const forAgent = (agent: string) => invariants.check(name).filter((v) => v.message.includes(`=${agent}`));
  await runJob(jobManifest("seq-1", "echo one", {}, {}, { "paperclip.io/agent-id": "sequential" }));
  await runJob(jobManifest("seq-2", "echo two", {}, {}, { "paperclip.io/agent-id": "sequential" }));
  assert.deepEqual(forAgent("sequential"), []);
  await Promise.all([
    runJob(jobManifest("par-1", "sleep 0.3", {}, {}, { "paperclip.io/agent-id": "parallel" })),
    runJob(jobManifest("par-2", "sleep 0.3", {}, {}, { "paperclip.io/agent-id": "parallel" })),
  ]);
  const violations = forAgent("parallel");
  assert.equal(violations.length, 1, JSON.stringify(violations));
  assert.match(violations[0]?.message ?? "", /default\/par-1, default\/par-2|default\/par-2, default\/par-1/);
});
