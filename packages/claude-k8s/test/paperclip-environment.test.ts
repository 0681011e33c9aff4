// testEnvironment against kube-sim through the real client-node: a good setup passes; each broken
// piece (a denied verb, a missing namespace, a ReadWriteOnce or missing claim, an API server that
// refuses or never answers, an unreadable server pod) fails its own check with a usable hint.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AdapterEnvironmentCheck, AdapterEnvironmentTestResult } from "@paperclipai/adapter-utils";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubeconfigText, startKubeSim, type KubeSim } from "kube-sim";
import { testEnvironment, type TestEnvironmentOptions } from "../src/paperclip/environment.ts";
import { jobNamespaceQuestions } from "../src/paperclip/environment-access.ts";

const ROLE = readFileSync(new URL("../../../deploy/rbac.yaml", import.meta.url), "utf8");
const AGENTS = "paperclip-agents";
const SERVER_NS = "paperclip";
const SA_USER = "system:serviceaccount:paperclip:paperclip";
/** deploy/rbac.yaml with one verb removed from one rule. */
const ROLE_WITHOUT_POD_WATCH = ROLE.replace(`resources: ["pods"]\n    verbs: ["get", "list", "watch"]`, `resources: ["pods"]\n    verbs: ["get", "list"]`);
const ROLE_WITHOUT_SELF = ROLE.slice(0, ROLE.indexOf("# In the server's own namespace"));

let sim: KubeSim;
let dir: string;

function kubeconfigFile(name: string, server: string, token: string): string {
  const file = path.join(dir, `${name}.kubeconfig`);
  writeFileSync(file, kubeconfigText(server, token, SA_USER));
  return file;
}

before(async () => {
  assert.notEqual(ROLE_WITHOUT_POD_WATCH, ROLE, "the test's RBAC edit must change the Role");
  dir = mkdtempSync(path.join(tmpdir(), "claude-k8s-env-"));
  sim = await startKubeSim({ runtime: false, namespaces: ["default", AGENTS, SERVER_NS], users: [
    { token: "sa", user: SA_USER, rbacYaml: ROLE },
    { token: "no-pod-watch", user: SA_USER, rbacYaml: ROLE_WITHOUT_POD_WATCH },
    { token: "no-self", user: SA_USER, rbacYaml: ROLE_WITHOUT_SELF },
  ] });
  const admin = new KubeConfig();
  admin.loadFromString(sim.kubeconfig);
  const core = admin.makeApiClient(CoreV1Api);
  const claim = (name: string, namespace: string, mode: string) => core.createNamespacedPersistentVolumeClaim({ namespace,
    body: { metadata: { name }, spec: { accessModes: [mode], resources: { requests: { storage: "1Gi" } } } } });
  await claim("shared", AGENTS, "ReadWriteMany");
  await claim("single", AGENTS, "ReadWriteOnce");
  await claim("paperclip-data", SERVER_NS, "ReadWriteMany");
  await core.createNamespacedPod({ namespace: SERVER_NS, body: { metadata: { name: "paperclip-0" }, spec: {
    containers: [{ name: "server", image: "ghcr.io/acme/paperclip:2", volumeMounts: [{ name: "data", mountPath: "/paperclip" }] }],
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "paperclip-data" } }] } } });
});

after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

const GOOD = { namespace: AGENTS, image: "ghcr.io/acme/claude:1", workspaceVolumeClaim: "shared", workspaceMountPath: "/paperclip", timeoutSec: 600 };

async function run(config: Record<string, unknown>, options: TestEnvironmentOptions = {}): Promise<AdapterEnvironmentTestResult> {
  return testEnvironment({ companyId: "c-1", adapterType: "claude_k8s", config }, { env: {}, ...options });
}

function find(result: AdapterEnvironmentTestResult, code: string): AdapterEnvironmentCheck {
  const check = result.checks.find((candidate) => candidate.code === code);
  assert.ok(check, `${code} missing from ${result.checks.map((c) => `${c.code}(${c.level})`).join(", ")}`);
  return check;
}

function codes(result: AdapterEnvironmentTestResult): string[] {
  return result.checks.map((check) => check.code);
}

test("a good setup under deploy/rbac.yaml passes every check", async () => {
  const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("sa", sim.url, "sa") });
  assert.equal(result.status, "pass", JSON.stringify(result.checks, null, 1));
  for (const code of ["k8s_api_reachable", "k8s_namespace_exists", "k8s_permissions_ok", "k8s_claim_ok", "k8s_image_configured", "k8s_not_in_cluster"]) {
    assert.equal(find(result, code).level, "info");
  }
  assert.match(find(result, "k8s_permissions_ok").message, new RegExp(`All ${jobNamespaceQuestions().length} permissions`));
  // One review per verb and resource, each in the Jobs' namespace.
  const reviews = sim.requests.find({ resource: "selfsubjectaccessreviews", user: SA_USER });
  assert.ok(reviews.length >= jobNamespaceQuestions().length);
  assert.ok(!codes(result).includes("k8s_cluster_not_checked"));
});

test("RBAC without watch on pods fails the permission check naming the verb and resource", async () => {
  const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("no-pod-watch", sim.url, "no-pod-watch") });
  assert.equal(result.status, "fail");
  const denied = result.checks.filter((check) => check.code === "k8s_permission_denied");
  assert.equal(denied.length, 1, JSON.stringify(denied));
  assert.match(denied[0]?.message ?? "", /Not allowed to watch pods in namespace "paperclip-agents"/);
  assert.match(denied[0]?.hint ?? "", /deploy\/rbac\.yaml/);
  assert.ok(!codes(result).includes("k8s_permissions_ok"));
});

test("a namespace that does not exist is an error with the command that creates it", async () => {
  const result = await run({ ...GOOD, namespace: "nowhere", workspaceVolumeClaim: null, kubeconfig: kubeconfigFile("admin", sim.url, sim.token) });
  const check = find(result, "k8s_namespace_missing");
  assert.equal(check.level, "error");
  assert.match(check.hint ?? "", /kubectl create namespace nowhere/);
  assert.equal(result.status, "fail");
});

test("with only the Role's rights, an unknown namespace cannot be told apart from a forbidden one: a warning", async () => {
  const result = await run({ ...GOOD, namespace: "nowhere", workspaceVolumeClaim: null, kubeconfig: kubeconfigFile("sa", sim.url, "sa") });
  assert.equal(find(result, "k8s_namespace_unchecked").level, "warn");
  // The Role is not bound there, so every verb is denied too.
  assert.ok(result.checks.some((check) => check.code === "k8s_permission_denied" && /create jobs\.batch/.test(check.message)));
});

test("a ReadWriteOnce claim fails the shared-volume check", async () => {
  const result = await run({ ...GOOD, workspaceVolumeClaim: "single", kubeconfig: kubeconfigFile("sa", sim.url, "sa") });
  const check = find(result, "k8s_claim_not_rwx");
  assert.equal(check.level, "error");
  assert.match(check.message, /claim "single" in namespace "paperclip-agents" is ReadWriteOnce, not ReadWriteMany/);
  assert.equal(result.status, "fail");
});

test("a claim that does not exist fails the shared-volume check", async () => {
  const result = await run({ ...GOOD, workspaceVolumeClaim: "gone", kubeconfig: kubeconfigFile("sa", sim.url, "sa") });
  assert.equal(find(result, "k8s_claim_missing").level, "error");
});

test("an API server on a closed port fails fast with an unreachable error and stops there", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("closed", `http://127.0.0.1:${port}`, "t") });
  const check = find(result, "k8s_api_unreachable");
  assert.equal(check.level, "error");
  assert.match(check.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(check.hint ?? "", /reach/);
  assert.ok(!codes(result).includes("k8s_namespace_exists"));
  assert.equal(result.status, "fail");
});

test("an API server that accepts connections but never answers costs at most the time cap", async () => {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((socket) => { sockets.add(socket); });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const started = Date.now();
    const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("silent", `http://127.0.0.1:${port}`, "t") }, { timeoutMs: 300 });
    const check = find(result, "k8s_api_unreachable");
    assert.match(check.message, /no answer from the API server within 300 ms/);
    // Generous: the bound is the behaviour, the machine may be slow.
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test("a kubeconfig that cannot be read is an error naming the file", async () => {
  const result = await run({ ...GOOD, kubeconfig: path.join(dir, "missing.kubeconfig") });
  const check = find(result, "k8s_kubeconfig_unavailable");
  assert.equal(check.level, "error");
  assert.match(check.message, /missing\.kubeconfig/);
  assert.ok(check.hint);
});

function inCluster(podName: string): TestEnvironmentOptions {
  const serviceAccountDir = mkdtempSync(path.join(dir, "sa-"));
  writeFileSync(path.join(serviceAccountDir, "namespace"), SERVER_NS);
  return { env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", HOSTNAME: podName }, serviceAccountDir };
}

test("in a cluster: image and shared claim come from the server's own readable pod", async () => {
  const result = await run({ namespace: SERVER_NS, workspaceMountPath: "/paperclip", timeoutSec: 600,
    kubeconfig: kubeconfigFile("admin", sim.url, sim.token) }, inCluster("paperclip-0"));
  assert.equal(find(result, "k8s_server_pod_readable").level, "info");
  assert.match(find(result, "k8s_image_from_server_pod").message, /ghcr\.io\/acme\/paperclip:2/);
  assert.match(find(result, "k8s_claim_ok").message, /claim "paperclip-data" in namespace "paperclip"/);
});

test("in a cluster: the server's claim in another namespace than the Jobs' is an error", async () => {
  const result = await run({ namespace: AGENTS, workspaceMountPath: "/paperclip", image: "x:1",
    kubeconfig: kubeconfigFile("admin", sim.url, sim.token) }, inCluster("paperclip-0"));
  const check = find(result, "k8s_claim_other_namespace");
  assert.equal(check.level, "error");
  assert.match(check.message, /only mount claims of its own namespace/);
});

test("in a cluster without rights on its own pod: a warning naming the missing permission", async () => {
  const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("no-self", sim.url, "no-self") }, inCluster("paperclip-0"));
  const check = find(result, "k8s_server_pod_unreadable");
  assert.equal(check.level, "warn");
  assert.match(check.message, /paperclip\/paperclip-0/);
  assert.match(check.hint ?? "", /get pods in namespace "paperclip"/);
});

test("in a cluster, deploy/rbac.yaml lets the server read its own pod", async () => {
  const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("sa", sim.url, "sa") }, inCluster("paperclip-0"));
  assert.equal(find(result, "k8s_server_pod_readable").level, "info");
  assert.equal(result.status, "pass", JSON.stringify(result.checks, null, 1));
});

test("in a cluster with an image neither configured nor inheritable: an error", async () => {
  const result = await run({ ...GOOD, image: null, kubeconfig: kubeconfigFile("sa", sim.url, "sa") }, inCluster("not-a-pod"));
  assert.equal(find(result, "k8s_server_pod_unreadable").level, "warn");
  assert.equal(find(result, "k8s_image_missing").level, "error");
});

test("a server that forces sandboxed execution is told what that means for claude_k8s", async () => {
  const result = await run({ ...GOOD, kubeconfig: kubeconfigFile("sa", sim.url, "sa") }, { env: { PAPERCLIP_EXECUTION_MODE: "kubernetes" } });
  const check = find(result, "k8s_server_forces_sandbox");
  assert.equal(check.level, "warn");
  assert.match(check.message, /runs its own Job/);
  const any = await run({ ...GOOD, kubeconfig: kubeconfigFile("sa", sim.url, "sa") }, { env: { PAPERCLIP_EXECUTION_MODE: "any" } });
  assert.ok(!codes(any).includes("k8s_server_forces_sandbox"));
});

test("a broken namespace or kubeconfig setting skips the cluster checks instead of asking the wrong namespace", async () => {
  const result = await run({ ...GOOD, namespace: "Not_A_Label", kubeconfig: kubeconfigFile("sa", sim.url, "sa") });
  assert.match(find(result, "k8s_cluster_not_checked").message, /fix namespace first/);
  assert.ok(!codes(result).includes("k8s_api_reachable"));
  assert.equal(result.status, "fail");
});
