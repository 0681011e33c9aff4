// The sim's lifecycle: stop() ends open watches and log streams; the CLI enforces --rbac rules
// and --no-anonymous, and exits on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ApiException, CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";

test("stop() ends open watches and follow streams and refuses new connections", async () => {
  const sim = await startKubeSim({ runtime: false,
    logSource: { containerLog: () => ({ ended: false, lines: () => [], follow: () => () => {} }) } });
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

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["list"]
`;

test("kube-sim serve --rbac writes a limited kubeconfig; --no-anonymous answers 401; SIGTERM stops it", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "kube-sim-cli-"));
  try {
    await writeFile(path.join(dir, "role.yaml"), ROLE);
    const kubeconfig = path.join(dir, "kc");
    const child = spawn(process.execPath, ["--conditions=source", CLI, "serve", "--no-runtime", "--no-anonymous",
      "--kubeconfig", kubeconfig, "--rbac", path.join(dir, "role.yaml"), "--rbac-token", "reader-token"], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("RBAC from")) resolve();
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const url = /listening on (\S+)/.exec(out)?.[1] ?? "";
    assert.equal((await fetch(`${url}/api/v1/pods`)).status, 401);
    const limited = new KubeConfig();
    limited.loadFromFile(`${kubeconfig}.rbac`);
    const core = limited.makeApiClient(CoreV1Api);
    assert.deepEqual((await core.listPodForAllNamespaces()).items, []);
    await assert.rejects(core.listNamespacedSecret({ namespace: "default" }), (e: unknown) => e instanceof ApiException && e.code === 403);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
