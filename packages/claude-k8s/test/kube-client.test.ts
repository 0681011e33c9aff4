import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { defaultKubeconfigPaths, loadKubeConfig } from "../src/kube/client.ts";
import { startSimClient } from "./kube-support.ts";
import type { SimClient } from "./kube-support.ts";

let client: SimClient;
let dir: string;
before(async () => {
  client = await startSimClient();
  dir = mkdtempSync(path.join(tmpdir(), "kube-client-test-"));
});
after(async () => {
  await client.sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

function serviceAccount(name: string, files: Record<string, string>): string {
  const saDir = path.join(dir, name);
  mkdirSync(saDir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(saDir, file), text);
  return saDir;
}

function kubeconfigWithNamespace(namespace: string): string {
  const file = path.join(dir, `kc-${namespace}`);
  writeFileSync(file, client.sim.kubeconfig.replace("namespace: default", `namespace: ${namespace}`));
  return file;
}

const pathCases: { name: string; env: Record<string, string | undefined>; expected: string[] }[] = [
  { name: "KUBECONFIG list", env: { KUBECONFIG: `/a${path.delimiter}/b${path.delimiter}`, HOME: "/h" }, expected: ["/a", "/b"] },
  { name: "HOME", env: { HOME: "/h" }, expected: ["/h/.kube/config"] },
  { name: "nothing", env: {}, expected: [] },
];
for (const c of pathCases) {
  test(`defaultKubeconfigPaths: ${c.name}`, () => assert.deepEqual(defaultKubeconfigPaths(c.env), c.expected));
}

test("an explicit kubeconfig path is used and talks to kube-sim", async () => {
  const loaded = loadKubeConfig({ kubeconfigPath: client.sim.kubeconfigPath, env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, serviceAccountDir: serviceAccount("ignored", { token: "t" }) });
  assert.equal(loaded.source, "kubeconfig-file");
  assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, client.sim.url);
  const list = await loaded.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
  assert.ok(list.items.some((ns) => ns.metadata?.name === "default"));
});

test("the current context's namespace is reported", () => {
  const loaded = loadKubeConfig({ kubeconfigPath: kubeconfigWithNamespace("agents"), env: {} });
  assert.equal(loaded.namespace, "agents");
});

test("a missing kubeconfig path names the path and the fix", () => {
  const missing = path.join(dir, "nope", "config");
  assert.throws(() => loadKubeConfig({ kubeconfigPath: missing, env: {} }), (error: Error) => {
    assert.match(error.message, new RegExp(`kubeconfig ${missing.replace(/[/.]/g, "\\$&")} \\(from kubeconfigPath\\) does not exist: fix the path`));
    return true;
  });
});

test("a kubeconfig that is not YAML is refused with its path", () => {
  const file = path.join(dir, "garbage");
  writeFileSync(file, "clusters: [unclosed");
  assert.throws(() => loadKubeConfig({ kubeconfigPath: file, env: {} }), new RegExp(`kubeconfig .*garbage.* is not a valid kubeconfig`));
});

test("in a cluster: the service account's token, CA and namespace are used", async () => {
  const saDir = serviceAccount("sa", { token: "sa-token-123", namespace: "paperclip\n", "ca.crt": "" });
  const loaded = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443", HOME: dir }, serviceAccountDir: saDir });
  assert.equal(loaded.source, "in-cluster");
  assert.equal(loaded.namespace, "paperclip");
  assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, "https://10.96.0.1:443");
  assert.equal(loaded.kubeConfig.getCurrentCluster()?.caFile, path.join(saDir, "ca.crt"));
  const headers = (await loaded.kubeConfig.applyToFetchOptions({})).headers as unknown as { get?: (n: string) => string | null; Authorization?: string };
  const authorization = typeof headers.get === "function" ? headers.get("Authorization") : headers.Authorization;
  assert.equal(authorization, "Bearer sa-token-123");
});

test("in a cluster with an IPv6 service host the address is bracketed", () => {
  const loaded = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" }, serviceAccountDir: serviceAccount("sa6", { token: "t" }) });
  assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, "https://[fd00::1]:443");
  assert.equal(loaded.namespace, null);
});

test("KUBERNETES_SERVICE_HOST without a token falls back to KUBECONFIG", () => {
  const loaded = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBECONFIG: kubeconfigWithNamespace("dev") }, serviceAccountDir: path.join(dir, "no-sa") });
  assert.equal(loaded.source, "default");
  assert.equal(loaded.namespace, "dev");
});

test("~/.kube/config is found through HOME", () => {
  const home = path.join(dir, "home");
  mkdirSync(path.join(home, ".kube"), { recursive: true });
  writeFileSync(path.join(home, ".kube", "config"), client.sim.kubeconfig);
  const loaded = loadKubeConfig({ env: { HOME: home }, serviceAccountDir: path.join(dir, "no-sa") });
  assert.equal(loaded.source, "default");
  assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, client.sim.url);
});

test("no usable cluster: one error saying what was tried and how to fix it", () => {
  assert.throws(() => loadKubeConfig({ env: { HOME: path.join(dir, "empty-home"), KUBERNETES_SERVICE_HOST: "10.0.0.1" }, serviceAccountDir: path.join(dir, "no-sa") }),
    (error: Error) => {
      assert.match(error.message, /^No Kubernetes cluster configured/);
      assert.match(error.message, /no-sa\/token does not exist/);
      assert.match(error.message, /empty-home\/\.kube\/config/);
      assert.match(error.message, /Set the adapter's kubeconfigPath, set KUBECONFIG/);
      return true;
    });
});
