// kube/probe.ts and kube/own-pod.ts through the real client-node against kube-sim: answers are
// values, never throws; a namespace the caller may not read is still told apart (dry-run, nothing
// stored); a silent API server costs at most the cap; the caller's signal stops a question.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubeconfigText, startKubeSim, type KubeSim } from "kube-sim";
import { namespaceState, probeApiServer, readClaim, readPod, reviewAccess } from "../src/kube/probe.ts";
import { ownPodRef } from "../src/kube/own-pod.ts";

let sim: KubeSim;
let admin: KubeConfig;
let limited: KubeConfig;

before(async () => {
  sim = await startKubeSim({ runtime: false, namespaces: ["default", "agents"], users: [{ token: "limited", user: "limited",
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create"] }, { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get"], namespace: "agents" }] }] });
  admin = new KubeConfig();
  admin.loadFromString(sim.kubeconfig);
  limited = new KubeConfig();
  limited.loadFromString(sim.kubeconfigFor("limited", "limited"));
});

after(async () => {
  await sim.stop();
});

test("reviewAccess answers allowed and denied from the caller's own rules", async () => {
  const question = { namespace: "agents", group: "batch", resource: "jobs", verb: "get" };
  const allowed = await reviewAccess(limited, question);
  assert.ok(allowed.ok && allowed.value.allowed);
  const denied = await reviewAccess(limited, { ...question, verb: "delete" });
  assert.ok(denied.ok && !denied.value.allowed);
  const elsewhere = await reviewAccess(limited, { ...question, namespace: "default" });
  assert.ok(elsewhere.ok && !elsewhere.value.allowed, "a namespaced rule holds in its namespace only");
});

test("namespaceState: read directly when allowed", async () => {
  assert.deepEqual(await namespaceState(admin, "agents"), { ok: true, value: "exists" });
  assert.deepEqual(await namespaceState(admin, "nowhere"), { ok: true, value: "missing" });
});

test("namespaceState: without read rights, a dry-run Secret create tells, and stores nothing", async () => {
  assert.deepEqual(await namespaceState(limited, "agents"), { ok: true, value: "exists" });
  assert.deepEqual(await namespaceState(limited, "nowhere"), { ok: true, value: "missing" });
  const stored = await admin.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: "agents" });
  assert.equal(stored.items.length, 0);
  assert.ok(sim.requests.find({ verb: "create", resource: "secrets", user: "limited" }).length >= 2, "the dry-run path was taken");
});

test("readClaim and readPod: null when absent; a forbidden read is an error value", async () => {
  assert.deepEqual(await readClaim(admin, "agents", "none"), { ok: true, value: null });
  assert.deepEqual(await readPod(admin, "agents", "none"), { ok: true, value: null });
  const forbidden = await readPod(limited, "agents", "none");
  assert.ok(!forbidden.ok && forbidden.error.kind === "forbidden");
});

test("probeApiServer: the version of a live server; a capped error for a silent one; the caller's abort", async () => {
  const live = await probeApiServer(admin);
  assert.ok(live.ok && live.value.length > 0);
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => { sockets.add(socket); });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigText(`http://127.0.0.1:${(silent.address() as { port: number }).port}`, "t"));
  try {
    const capped = await probeApiServer(kubeConfig, { timeoutMs: 200 });
    assert.ok(!capped.ok);
    assert.equal(capped.error.kind, "transient");
    assert.match(capped.error.message, /within 200 ms/);
    const controller = new AbortController();
    const pending = probeApiServer(kubeConfig, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    const aborted = await pending;
    assert.ok(!aborted.ok && aborted.error.kind === "aborted", JSON.stringify(aborted));
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test("ownPodRef: the pod's name and namespace in a cluster, null outside", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "own-pod-"));
  try {
    writeFileSync(path.join(dir, "namespace"), "paperclip\n");
    const base = { KUBERNETES_SERVICE_HOST: "10.0.0.1", HOSTNAME: "paperclip-0" };
    assert.deepEqual(ownPodRef({ env: base, serviceAccountDir: dir }), { namespace: "paperclip", name: "paperclip-0" });
    assert.deepEqual(ownPodRef({ env: { ...base, POD_NAME: "real-name", POD_NAMESPACE: "ns" }, serviceAccountDir: dir }), { namespace: "ns", name: "real-name" });
    assert.equal(ownPodRef({ env: { HOSTNAME: "laptop" }, serviceAccountDir: dir }), null);
    assert.equal(ownPodRef({ env: base, serviceAccountDir: path.join(dir, "absent") }), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
