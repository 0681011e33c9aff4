// The sim's lifecycle: stop() ends open watches and log streams; `kube-sim serve` serves HTTPS
// with its CA in the kubeconfig, enforces --rbac rules, answers requests without a token 401 (an
// anonymous admin only with --http, unless --no-anonymous), and exits on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ApiException, CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import { serve } from "./support/serve.ts";
import { kubeconfigCa, trustCa } from "./support/trust.ts";

test("stop() ends open watches and follow streams and refuses new connections", async () => {
  const sim = await startKubeSim({ runtime: false,
    logSource: { containerLog: () => ({ ended: false, lines: () => [], follow: () => () => {} }) } });
  trustCa(sim.caPem);
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: "default", body: { metadata: { name: "p" },
    spec: { nodeName: "n", containers: [{ name: "main", image: "busybox" }] } } });
  const watchDone = new Promise<unknown>((resolve) => {
    void new Watch(kc).watch("/api/v1/pods", {}, () => {}, resolve);
  });
  const log = await fetch(`${sim.url}/api/v1/namespaces/default/pods/p/log?follow=true`, { headers: { Authorization: `Bearer ${sim.token}` } });
  const logRead = log.text().then(() => "ended", () => "error");
  const deadline = Date.now() + 3000;
  while (sim.faults.openWatches() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await sim.stop();
  await watchDone;
  assert.equal(await logRead, "error", "the follow stream was cut, not ended cleanly");
  await assert.rejects(fetch(`${sim.url}/version`), /fetch failed/);
});

const ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["list"]
`;

test("kube-sim serve: HTTPS by default, --rbac writes a limited kubeconfig, no token → 401, SIGTERM stops it", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "kube-sim-cli-"));
  try {
    await writeFile(path.join(dir, "role.yaml"), ROLE);
    const kubeconfig = path.join(dir, "kc");
    const served = await serve(["--no-runtime", "--kubeconfig", kubeconfig, "--rbac", path.join(dir, "role.yaml"), "--rbac-token", "reader-token"]);
    assert.match(served.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const text = await readFile(kubeconfig, "utf8");
    assert.doesNotMatch(text, /insecure-skip-tls-verify/);
    assert.equal(await readFile(`${kubeconfig}.ca.crt`, "utf8"), kubeconfigCa(text), "the CA file is the kubeconfig's CA");
    trustCa(kubeconfigCa(text));
    assert.equal((await fetch(`${served.url}/api/v1/pods`)).status, 401, "no anonymous admin over HTTPS");
    const limited = new KubeConfig();
    limited.loadFromFile(`${kubeconfig}.rbac`);
    assert.equal(limited.getCurrentCluster()?.server, served.url);
    const core = limited.makeApiClient(CoreV1Api);
    assert.deepEqual((await core.listPodForAllNamespaces()).items, []);
    await assert.rejects(core.listNamespacedSecret({ namespace: "default" }), (e: unknown) => e instanceof ApiException && e.code === 403);
    assert.equal(await served.stop(), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("kube-sim serve --http: plain HTTP, no token is an anonymous admin unless --no-anonymous", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "kube-sim-cli-"));
  try {
    const open = await serve(["--http", "--no-runtime", "--kubeconfig", path.join(dir, "open")]);
    const closed = await serve(["--http", "--no-anonymous", "--no-runtime", "--kubeconfig", path.join(dir, "closed")]);
    try {
      assert.match(open.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.doesNotMatch(await readFile(path.join(dir, "open"), "utf8"), /certificate-authority/);
      assert.equal((await fetch(`${open.url}/api/v1/pods`)).status, 200);
      assert.equal((await fetch(`${closed.url}/api/v1/pods`)).status, 401);
    } finally {
      assert.equal(await open.stop(), 0);
      assert.equal(await closed.stop(), 0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
