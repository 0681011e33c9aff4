// Defaults and validation on create and update, as a client-node client sees a 1.31 API server
// answer: pod and pod-template defaults, the Job's 1.27+ selector, immutable fields with the real
// 422s, and the small 400/422 answers (bad patch JSON, delete options, evictions, access reviews,
// label sets).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { V1Job, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { startClient } from "./support/client.ts";
import type { Client } from "./support/client.ts";

let client: Client;

before(async () => {
  client = await startClient({ runtime: false });
});

after(async () => {
  await client.sim.stop();
});

interface Status { code?: number; reason?: string; message?: string; details?: { causes?: { field?: string; reason?: string; message?: string }[] } }

async function statusOf(call: Promise<unknown>): Promise<Status> {
  try {
    await call;
  } catch (error) {
    return JSON.parse((error as { body: string }).body) as Status;
  }
  return assert.fail("the request succeeded");
}

async function raw(method: string, path: string, body: string, contentType = "application/json"): Promise<{ status: number; body: Status }> {
  const response = await fetch(`${client.sim.url}${path}`, { method, body,
    headers: { Authorization: `Bearer ${client.sim.token}`, "Content-Type": contentType } });
  return { status: response.status, body: await response.json() as Status };
}

function pod(name: string, spec: Partial<V1PodSpec> = {}, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: "main", image: "busybox" }], ...spec } };
}

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

test("a created pod carries the defaults a 1.31 API server and its admission plugins add", async () => {
  const created = await client.core.createNamespacedPod({ namespace: "default", body: pod("defaults", {
    containers: [{ name: "main", image: "busybox" }, { name: "pinned", image: "ghcr.io/acme/tool:1.2" },
      { name: "latest", image: "busybox:latest", resources: { limits: { cpu: "1" } } }],
  }) });
  const spec = created.spec as V1PodSpec;
  assert.deepEqual(spec.containers.map((c) => c.imagePullPolicy), ["Always", "IfNotPresent", "Always"]);
  for (const c of spec.containers) {
    assert.equal(c.terminationMessagePath, "/dev/termination-log");
    assert.equal(c.terminationMessagePolicy, "File");
    assert.ok(c.resources, "resources {} is always there");
  }
  assert.deepEqual(spec.containers[2]?.resources?.requests, { cpu: "1" }, "a limit without a request becomes the request");
  assert.deepEqual({ ...spec.securityContext }, {});
  assert.equal(spec.restartPolicy, "Always");
  assert.equal(spec.dnsPolicy, "ClusterFirst");
  assert.equal(spec.schedulerName, "default-scheduler");
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.priority, 0);
  assert.equal(spec.preemptionPolicy, "PreemptLowerPriority");
  assert.deepEqual(spec.tolerations?.map((t) => ({ ...t })), [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  assert.equal(spec.serviceAccountName, "default");
  assert.equal(spec.serviceAccount, "default");
  const volume = spec.volumes?.find((v) => v.name.startsWith("kube-api-access-"));
  assert.match(volume?.name ?? "", /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(volume?.projected?.sources?.map((s) => Object.keys(s).filter((k) => (s as Record<string, unknown>)[k] !== undefined)),
    [["serviceAccountToken"], ["configMap"], ["downwardAPI"]]);
  assert.equal(volume?.projected?.defaultMode, 420);
  for (const c of spec.containers) {
    assert.deepEqual(c.volumeMounts?.map((m) => ({ ...m })), [{ name: volume?.name, readOnly: true,
      mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);
  }
  assert.equal(created.status?.qosClass, "Burstable");
  assert.equal(created.status?.phase, "Pending");
});

test("qosClass follows requests and limits; automountServiceAccountToken false adds no token volume", async () => {
  const bestEffort = await client.core.createNamespacedPod({ namespace: "default", body: pod("qos-none", { automountServiceAccountToken: false }) });
  assert.equal(bestEffort.status?.qosClass, "BestEffort");
  assert.equal(bestEffort.spec?.volumes, undefined);
  assert.equal(bestEffort.spec?.containers[0]?.volumeMounts, undefined);
  assert.equal(bestEffort.spec?.serviceAccountName, "default");
  const guaranteed = await client.core.createNamespacedPod({ namespace: "default", body: pod("qos-full", {
    containers: [{ name: "main", image: "busybox", resources: { limits: { cpu: "500m", memory: "64Mi" } } }] }) });
  assert.equal(guaranteed.status?.qosClass, "Guaranteed");
  const own = await client.core.createNamespacedPod({ namespace: "default", body: pod("own-sa", { serviceAccountName: "runner",
    tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }] }) });
  assert.equal(own.spec?.serviceAccount, "runner");
  assert.deepEqual(own.spec?.tolerations?.map((t) => [t.key, t.tolerationSeconds]),
    [["node.kubernetes.io/not-ready", 5], ["node.kubernetes.io/unreachable", 300]]);
});

function job(name: string, spec: Record<string, unknown> = {}): V1Job {
  return { metadata: { name }, spec: { template: { spec: { restartPolicy: "Never",
    containers: [{ name: "main", image: "busybox:1.36", command: ["true"] }] } }, ...spec } } as V1Job;
}

test("a Job: 1.27+ selector and template labels, template defaults without the pod-only ones", async () => {
  const created = await client.batch.createNamespacedJob({ namespace: "default", body: job("tpl") });
  const uid = created.metadata?.uid ?? "";
  assert.deepEqual(created.spec?.selector?.matchLabels, { "batch.kubernetes.io/controller-uid": uid });
  assert.deepEqual(created.spec?.template.metadata?.labels, { "controller-uid": uid, "job-name": "tpl",
    "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "tpl" });
  const spec = created.spec?.template.spec as V1PodSpec;
  assert.equal(spec.containers[0]?.imagePullPolicy, "IfNotPresent");
  assert.equal(spec.containers[0]?.terminationMessagePath, "/dev/termination-log");
  assert.equal(spec.containers[0]?.terminationMessagePolicy, "File");
  assert.equal(spec.restartPolicy, "Never");
  assert.equal(spec.dnsPolicy, "ClusterFirst");
  assert.equal(spec.schedulerName, "default-scheduler");
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual({ ...spec.securityContext }, {});
  for (const podOnly of ["tolerations", "serviceAccountName", "priority", "enableServiceLinks", "volumes"] as const) {
    assert.equal(spec[podOnly], undefined, `${podOnly} is added to pods, not templates`);
  }
});

test("a Job template without restartPolicy is defaulted to Always, which a Job refuses", async () => {
  const noPolicy = job("no-policy");
  delete noPolicy.spec?.template.spec?.restartPolicy;
  const refused = await statusOf(client.batch.createNamespacedJob({ namespace: "default", body: noPolicy }));
  assert.equal(refused.code, 422);
  assert.equal(refused.message, 'Job.batch "no-policy" is invalid: spec.template.spec.restartPolicy: '
    + 'Unsupported value: "Always": supported values: "OnFailure", "Never"');
});

test("a Job's template, selector, completions and completionMode are immutable: 422 field is immutable", async () => {
  await client.batch.createNamespacedJob({ namespace: "default", body: job("frozen") });
  const template = await statusOf(client.batch.patchNamespacedJob({ name: "frozen", namespace: "default",
    body: { spec: { template: { spec: { containers: [{ name: "main", image: "busybox:1.37" }] } } } } }, merge));
  assert.equal(template.code, 422);
  assert.equal(template.reason, "Invalid");
  assert.match(template.message ?? "", /^Job\.batch "frozen" is invalid: spec\.template: Invalid value: core\.PodTemplateSpec\{.*\}: field is immutable$/);
  assert.deepEqual(template.details?.causes?.map((c) => [c.reason, c.field]), [["FieldValueInvalid", "spec.template"]]);
  const completions = await statusOf(client.batch.patchNamespacedJob({ name: "frozen", namespace: "default",
    body: { spec: { completions: 2, completionMode: "Indexed" } } }, merge));
  assert.equal(completions.message, 'Job.batch "frozen" is invalid: [spec.completions: Invalid value: 2: field is immutable, '
    + 'spec.completionMode: Invalid value: "Indexed": field is immutable]');
  const selector = await statusOf(client.batch.patchNamespacedJob({ name: "frozen", namespace: "default",
    body: { spec: { selector: { matchLabels: { a: "b" } } } } }, merge));
  assert.equal(selector.details?.causes?.[0]?.field, "spec.selector");
  const labelled = await client.batch.patchNamespacedJob({ name: "frozen", namespace: "default",
    body: { metadata: { labels: { tier: "gold" } }, spec: { backoffLimit: 2 } } }, merge);
  assert.equal(labelled.metadata?.labels?.tier, "gold", "metadata and mutable spec fields still change");
});

test("a pod's spec is immutable except images, activeDeadlineSeconds and added tolerations", async () => {
  await client.core.createNamespacedPod({ namespace: "default", body: pod("fixed") });
  const env = await statusOf(client.core.patchNamespacedPod({ name: "fixed", namespace: "default",
    body: { spec: { containers: [{ name: "main", env: [{ name: "A", value: "1" }] }] } } },
  setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch)));
  assert.equal(env.code, 422);
  assert.ok(env.message?.startsWith('Pod "fixed" is invalid: spec: Forbidden: pod updates may not change fields other than '
    + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    + "`spec.tolerations` (only additions to existing tolerations),"
    + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"), env.message);
  assert.deepEqual(env.details?.causes?.map((c) => [c.reason, c.field]), [["FieldValueForbidden", "spec"]]);
  const current = await client.core.readNamespacedPod({ name: "fixed", namespace: "default" });
  current.spec!.containers[0]!.image = "busybox:1.37";
  current.spec!.activeDeadlineSeconds = 60;
  current.spec!.tolerations = [...current.spec!.tolerations ?? [], { key: "gpu", operator: "Exists" }];
  current.metadata!.labels = { edited: "yes" };
  const replaced = await client.core.replaceNamespacedPod({ name: "fixed", namespace: "default", body: current });
  assert.equal(replaced.spec?.containers[0]?.image, "busybox:1.37");
  assert.equal(replaced.spec?.tolerations?.length, 3);
  const removed = await statusOf(client.core.patchNamespacedPod({ name: "fixed", namespace: "default",
    body: { spec: { tolerations: [{ key: "gpu", operator: "Exists" }] } } }, merge));
  assert.equal(removed.code, 422, "removing tolerations is a change a pod update may not make");
});

test("immutable Secrets and ConfigMaps refuse data changes with the real message", async () => {
  await client.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "sealed" }, immutable: true,
    stringData: { token: "a" } } });
  const secret = await statusOf(client.core.patchNamespacedSecret({ name: "sealed", namespace: "default",
    body: { stringData: { token: "b" } } }, merge));
  assert.equal(secret.code, 422);
  assert.equal(secret.message, 'Secret "sealed" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  await client.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "sealed" }, immutable: true, data: { a: "1" } } });
  const unfreeze = await statusOf(client.core.patchNamespacedConfigMap({ name: "sealed", namespace: "default",
    body: { immutable: false, data: { a: "2" } } }, merge));
  assert.equal(unfreeze.message, 'ConfigMap "sealed" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, '
    + "data: Forbidden: field is immutable when `immutable` is set]");
  const relabelled = await client.core.patchNamespacedConfigMap({ name: "sealed", namespace: "default",
    body: { metadata: { labels: { a: "b" } } } }, merge);
  assert.equal(relabelled.metadata?.labels?.a, "b", "metadata of an immutable object still changes");
});

test("bad requests: merge patch that is not JSON 400, unknown propagationPolicy 422 before the lookup", async () => {
  await client.core.createNamespacedPod({ namespace: "default", body: pod("patched") });
  const notJson = await raw("PATCH", "/api/v1/namespaces/default/pods/patched", "{nope", "application/merge-patch+json");
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.reason, "BadRequest");
  assert.equal(notJson.body.message, "Invalid JSON Patch");
  const policy = await statusOf(client.core.deleteNamespacedPod({ name: "no-such-pod", namespace: "default", propagationPolicy: "Sideways" }));
  assert.equal(policy.code, 422);
  assert.equal(policy.reason, "Invalid");
  assert.equal(policy.message, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": '
    + 'supported values: "Foreground", "Background", "Orphan", "nil"');
});

test("an Eviction naming another pod is 400; an access review without attributes is 422", async () => {
  await client.core.createNamespacedPod({ namespace: "default", body: pod("evictee") });
  const eviction = await statusOf(client.core.createNamespacedPodEviction({ name: "evictee", namespace: "default",
    body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "someone-else", namespace: "default" } } }));
  assert.equal(eviction.code, 400);
  assert.equal(eviction.message, "name in URL does not match name in Eviction object");
  const review = await statusOf(client.kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: {} } }));
  assert.equal(review.code, 422);
  assert.equal(review.message, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
    + "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified");
});

test("label sets: `in (a b)` is a 400 with the parser's words; `in ()` means the empty value", async () => {
  await client.core.createNamespacedPod({ namespace: "default", body: pod("empty-app", {}, { app: "" }) });
  await client.core.createNamespacedPod({ namespace: "default", body: pod("some-app", {}, { app: "a" }) });
  const spaced = await statusOf(client.core.listNamespacedPod({ namespace: "default", labelSelector: "app in (a b)" }));
  assert.equal(spaced.code, 400);
  assert.equal(spaced.message, "unable to parse requirement: found 'b', expected: ',' or ')'");
  const empty = await client.core.listNamespacedPod({ namespace: "default", labelSelector: "app in ()" });
  assert.deepEqual(empty.items.map((p) => p.metadata?.name), ["empty-app"]);
  const emptyItem = await client.core.listNamespacedPod({ namespace: "default", labelSelector: "app in (a,)" });
  assert.deepEqual(emptyItem.items.map((p) => p.metadata?.name).sort(), ["empty-app", "some-app"]);
});
