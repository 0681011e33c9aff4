// kubectl 1.32 against `kube-sim serve` over HTTPS (its default): kubectl trusts the kubeconfig's
// CA and sends the bearer token, so the --rbac kubeconfig is really limited; `auth can-i` and the
// typed `create` commands (which send protobuf bodies) get the real answers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve } from "./support/serve.ts";
import type { Served } from "./support/serve.ts";

const ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: runner }
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list"]
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["create"]
`;
let dir: string;
let admin: string;
let limited: string;
let served: Served;

interface Ran { code: number; stdout: string; stderr: string }

function kubectl(kubeconfig: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000,
      env: { ...process.env, KUBECACHEDIR: path.join(dir, "cache"), HOME: dir } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "kube-sim-kubectl-rbac-"));
  admin = path.join(dir, "kubeconfig");
  limited = `${admin}.rbac`;
  await writeFile(path.join(dir, "role.yaml"), ROLE);
  served = await serve(["--kubeconfig", admin, "--rbac", path.join(dir, "role.yaml")]);
});

after(async () => {
  await served.stop();
  await rm(dir, { recursive: true, force: true });
});

const canI: { who: "admin" | "limited"; args: string[]; answer: "yes" | "no" }[] = [
  { who: "limited", args: ["list", "pods"], answer: "yes" },
  { who: "limited", args: ["get", "pods", "--subresource=log", "-n", "agents"], answer: "yes" },
  { who: "limited", args: ["create", "jobs.batch"], answer: "yes" },
  { who: "limited", args: ["delete", "jobs.batch"], answer: "no" },
  { who: "limited", args: ["list", "secrets"], answer: "no" },
  { who: "limited", args: ["create", "namespaces"], answer: "no" },
  { who: "admin", args: ["delete", "secrets", "-n", "agents"], answer: "yes" },
  { who: "admin", args: ["*", "*"], answer: "yes" },
];

for (const { who, args, answer } of canI) {
  test(`kubectl auth can-i ${args.join(" ")} as ${who}: ${answer}`, async () => {
    const ran = await kubectl(who === "admin" ? admin : limited, "auth", "can-i", ...args);
    assert.equal(ran.stdout.trim(), answer, ran.stderr);
    assert.equal(ran.code, answer === "yes" ? 0 : 1);
  });
}

test("the limited kubeconfig's token is enforced: forbidden where its rules end", async () => {
  const secrets = await kubectl(limited, "get", "secrets");
  assert.equal(secrets.code, 1);
  assert.match(secrets.stderr, /Error from server \(Forbidden\): secrets is forbidden: User "kube-sim-rbac" cannot list resource "secrets" in API group "" in the namespace "default"/);
  const created = await kubectl(limited, "create", "namespace", "nope");
  assert.match(created.stderr, /\(Forbidden\).*cannot create resource "namespaces"/);
  assert.equal((await kubectl(limited, "get", "pods")).code, 0);
});

test("kubectl create namespace / configmap / secret generic send protobuf and create what they say", async () => {
  assert.match((await kubectl(admin, "create", "namespace", "agents")).stdout, /namespace\/agents created/);
  assert.equal((await kubectl(admin, "get", "namespace", "agents", "-o", "jsonpath={.status.phase}")).stdout, "Active");
  assert.match((await kubectl(admin, "create", "configmap", "settings", "-n", "agents", "--from-literal=model=opus")).stdout, /configmap\/settings created/);
  assert.equal((await kubectl(admin, "get", "configmap", "settings", "-n", "agents", "-o", "jsonpath={.data.model}")).stdout, "opus");
  assert.match((await kubectl(admin, "create", "secret", "generic", "key", "-n", "agents", "--from-literal=token=s3cret")).stdout, /secret\/key created/);
  const data = (await kubectl(admin, "get", "secret", "key", "-n", "agents", "-o", "jsonpath={.data.token}")).stdout;
  assert.equal(Buffer.from(data, "base64").toString("utf8"), "s3cret");
  const again = await kubectl(admin, "create", "namespace", "agents");
  assert.match(again.stderr, /Error from server \(AlreadyExists\): namespaces "agents" already exists/);
});

test("kubectl create job NAME --image -- CMD runs the command", async () => {
  assert.match((await kubectl(admin, "create", "job", "hi", "--image=busybox", "--", "sh", "-c", "echo hi from a typed job")).stdout,
    /job\.batch\/hi created/);
  assert.match((await kubectl(admin, "wait", "--for=condition=complete", "job/hi", "--timeout=20s")).stdout, /condition met/);
  assert.equal((await kubectl(admin, "logs", "job/hi")).stdout, "hi from a typed job\n");
});
