// RBAC: limited tokens get the real 403; SelfSubjectAccessReview answers from the same rules;
// rules load from Role/ClusterRole YAML; the request record derives the rules a client needed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApiException, AuthorizationV1Api, BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import { trustCa } from "./support/trust.ts";
import type { KubeSim } from "../src/sim.ts";
import { ruleAllows, rulesFromYaml } from "../src/api/rbac.ts";
import type { AccessAttributes, PolicyRule } from "../src/api/rbac.ts";

const ROLE_YAML = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: runner
  namespace: agents
rules:
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["create", "get", "list", "watch", "delete"]
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list", "watch"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
    resourceNames: ["runner-token"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ignored, namespace: agents }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reviews }
rules:
  - apiGroups: ["authorization.k8s.io"]
    resources: ["selfsubjectaccessreviews"]
    verbs: ["create"]
`;

let sim: KubeSim;
let limited: KubeConfig;

before(async () => {
  sim = await startKubeSim({ runtime: false, users: [{ token: "limited-token", user: "limited", rbacYaml: ROLE_YAML }] });
  trustCa(sim.caPem);
  sim.store.create({ group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "agents" } });
  limited = new KubeConfig();
  limited.loadFromString(sim.kubeconfigFor("limited-token", "limited"));
});

after(async () => {
  await sim.stop();
});

const parsed = rulesFromYaml(ROLE_YAML);
const ruleCases: { attributes: AccessAttributes; want: boolean }[] = [
  { attributes: { verb: "create", group: "batch", resource: "jobs", namespace: "agents" }, want: true },
  { attributes: { verb: "update", group: "batch", resource: "jobs", namespace: "agents" }, want: false },
  { attributes: { verb: "create", group: "batch", resource: "jobs", namespace: "other" }, want: false },
  { attributes: { verb: "get", group: "", resource: "pods", subresource: "log", namespace: "agents" }, want: true },
  { attributes: { verb: "get", group: "", resource: "pods", subresource: "exec", namespace: "agents" }, want: false },
  { attributes: { verb: "get", group: "", resource: "secrets", name: "runner-token", namespace: "agents" }, want: true },
  { attributes: { verb: "get", group: "", resource: "secrets", name: "other", namespace: "agents" }, want: false },
  { attributes: { verb: "create", group: "authorization.k8s.io", resource: "selfsubjectaccessreviews" }, want: true },
];

for (const { attributes, want } of ruleCases) {
  test(`rules from YAML: ${attributes.verb} ${attributes.resource}${attributes.subresource ? `/${attributes.subresource}` : ""} `
    + `${attributes.name ?? ""} in ${attributes.namespace ?? "cluster"} → ${want}`, () => {
    assert.equal(parsed.some((rule: PolicyRule) => ruleAllows(rule, attributes)), want);
  });
}

async function forbiddenBody(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException);
    assert.equal(error.code, 403);
    return JSON.parse(error.body as string) as Record<string, unknown>;
  }
  assert.fail("expected 403");
}

test("a limited token gets the exact 403 Status outside its rules and succeeds inside them", async () => {
  const core = limited.makeApiClient(CoreV1Api);
  await core.listNamespacedPod({ namespace: "agents" });
  assert.deepEqual(await forbiddenBody(core.listNamespacedPod({ namespace: "default" })), {
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: 'pods is forbidden: User "limited" cannot list resource "pods" in API group "" in the namespace "default"',
    reason: "Forbidden", details: { kind: "pods" }, code: 403 });
  const named = await forbiddenBody(limited.makeApiClient(BatchV1Api).replaceNamespacedJob({ name: "x", namespace: "agents",
    body: { metadata: { name: "x" } } }));
  assert.equal(named.message, 'jobs.batch "x" is forbidden: User "limited" cannot update resource "jobs" in API group "batch" in the namespace "agents"');
  const cluster = await forbiddenBody(core.listNamespace());
  assert.equal(cluster.message, 'namespaces is forbidden: User "limited" cannot list resource "namespaces" in API group "" at the cluster scope');
});

test("SelfSubjectAccessReview answers 201 from the caller's rules", async () => {
  const reviews = limited.makeApiClient(AuthorizationV1Api);
  const allowed = await reviews.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes:
    { namespace: "agents", verb: "get", resource: "pods", subresource: "log" } } } });
  assert.equal(allowed.status?.allowed, true);
  const denied = await reviews.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes:
    { namespace: "agents", verb: "delete", resource: "pods" } } } });
  assert.equal(denied.status?.allowed, false);
  const record = sim.requests.find({ resource: "selfsubjectaccessreviews" });
  assert.deepEqual(record.map((r) => r.code), [201, 201]);
});

test("the request record derives the rules a client used", async () => {
  const user = "limited";
  const rules = sim.requests.derivedRules({ user });
  assert.ok(rules.some((r) => r.apiGroups[0] === "" && r.resources[0] === "pods" && r.verbs.includes("list")));
  assert.ok(rules.every((r) => r.resources.length === 1));
  const admin = await fetch(`${sim.url}/_sim/requests?user=limited`, { headers: { Authorization: "Bearer limited-token" } });
  assert.equal(admin.status, 403, "the admin endpoint needs the admin token");
  const viaHttp = await fetch(`${sim.url}/_sim/requests?user=limited`, { headers: { Authorization: `Bearer ${sim.token}` } });
  const body = (await viaHttp.json()) as { requests: unknown[]; derivedRules: unknown[] };
  assert.ok(body.requests.length >= 5);
  assert.deepEqual(body.derivedRules, rules);
});
