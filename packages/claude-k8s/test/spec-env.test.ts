import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import { buildAgentEnv, type EnvInput } from "../src/spec/env.ts";
import { findServerContainer, inheritedPodSettings, workspaceVolume } from "../src/spec/inherit.ts";

const isForbidden = (key: string): boolean => key === "PAPERCLIP_API_KEY";

const SERVER: V1Container = {
  name: "paperclip",
  image: "ghcr.io/acme/paperclip:1.2.3",
  env: [
    { name: "ANTHROPIC_API_KEY", valueFrom: { secretKeyRef: { name: "anthropic", key: "api-key" } } },
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "MEM_LIMIT", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } },
    { name: "REGION", valueFrom: { configMapKeyRef: { name: "settings", key: "region" } } },
    { name: "LOG_LEVEL", value: "info" },
    { name: "HOME", value: "/paperclip" },
    { name: "HOSTNAME", value: "server-0" },
    { name: "PAPERCLIP_DATABASE_URL", value: "postgres://server-only" },
    { name: "PAPERCLIP_RUNTIME_API_URL", value: "http://paperclip:3100" },
    { name: "PAPERCLIP_API_KEY", value: "leaked-server-key" },
  ],
  envFrom: [{ secretRef: { name: "bedrock-creds" } }, { configMapRef: { name: "agent-defaults" } }],
  volumeMounts: [{ name: "data", mountPath: "/paperclip" }, { name: "scratch", mountPath: "/tmp" }],
};
const SIDECAR: V1Container = { name: "istio-proxy", image: "istio/proxyv2:1.22", env: [{ name: "ISTIO_META", value: "x" }] };

function serverPod(containers: V1Container[], annotations?: Record<string, string>): V1Pod {
  return {
    metadata: { name: "paperclip-0", ...(annotations ? { annotations } : {}) },
    spec: {
      containers,
      imagePullSecrets: [{ name: "ghcr" }],
      dnsPolicy: "None",
      dnsConfig: { nameservers: ["10.0.0.10"], searches: ["svc.cluster.local"] },
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "paperclip-data" } }, { name: "scratch", emptyDir: {} }],
    },
  };
}

function envInput(overrides: Partial<EnvInput>): EnvInput {
  return { serverContainer: SERVER, podVars: {}, runVars: {}, configEnv: {}, secretRefs: [], isForbidden, ...overrides };
}

function byName(env: V1EnvVar[]): Map<string, V1EnvVar> {
  return new Map(env.map((e) => [e.name, e]));
}

const CONTAINER_CASES: [string, V1Pod, string | null, string | null][] = [
  ["sidecar first, found by name", serverPod([SIDECAR, SERVER]), "paperclip", "paperclip"],
  ["name missing, sidecar first: first non-sidecar", serverPod([SIDECAR, SERVER]), "nope", "paperclip"],
  ["no name, only container", serverPod([SERVER]), null, "paperclip"],
  ["no name, default-container annotation", serverPod([{ name: "a", image: "a" }, SERVER], { "kubectl.kubernetes.io/default-container": "paperclip" }), null, "paperclip"],
  ["only sidecars: none", serverPod([SIDECAR, { name: "linkerd-proxy", image: "l" }]), null, null],
];
for (const [label, pod, name, expected] of CONTAINER_CASES) {
  test(`findServerContainer: ${label}`, () => {
    const chosen = findServerContainer(pod, name);
    assert.equal(chosen.container?.name ?? null, expected);
    assert.ok(chosen.how.length > 0);
    if (name && expected && name !== expected) assert.match(chosen.how, /no container named "nope"/);
  });
}

test("inherit: image from the named container (not the sidecar), pull secrets and DNS", () => {
  const pod = serverPod([SIDECAR, SERVER]);
  const settings = inheritedPodSettings(pod, findServerContainer(pod, "paperclip").container);
  assert.equal(settings.image, "ghcr.io/acme/paperclip:1.2.3");
  assert.deepEqual(settings.imagePullSecrets, [{ name: "ghcr" }]);
  assert.equal(settings.dnsPolicy, "None");
  assert.deepEqual(settings.dnsConfig?.nameservers, ["10.0.0.10"]);
  assert.deepEqual(inheritedPodSettings(null, null), { image: null, imagePullSecrets: [], dnsPolicy: null, dnsConfig: null });
});

test("inherit: workspace volume from config claim, from the server's mount, or none", () => {
  const pod = serverPod([SERVER]);
  const configured = workspaceVolume("claim-x", "/paperclip", pod, SERVER);
  assert.deepEqual(configured?.volume, { name: "workspace", persistentVolumeClaim: { claimName: "claim-x" } });
  const inherited = workspaceVolume(null, "/paperclip/", pod, SERVER);
  assert.deepEqual(inherited?.volume, { name: "workspace", persistentVolumeClaim: { claimName: "paperclip-data" } });
  assert.equal(inherited?.mountPath, "/paperclip/");
  assert.equal(workspaceVolume(null, "/tmp", pod, SERVER), null, "an emptyDir cannot be shared between pods");
  assert.equal(workspaceVolume(null, "/elsewhere", pod, SERVER), null);
  assert.equal(workspaceVolume("claim-x", null, pod, SERVER), null, "no mount path, no volume");
});

test("env: valueFrom and envFrom are forwarded by reference, never resolved", () => {
  const result = buildAgentEnv(envInput({}));
  const env = byName(result.env);
  assert.deepEqual(env.get("ANTHROPIC_API_KEY"), SERVER.env?.[0]);
  assert.deepEqual(env.get("POD_IP")?.valueFrom, { fieldRef: { fieldPath: "status.podIP" } });
  assert.deepEqual(env.get("MEM_LIMIT")?.valueFrom, { resourceFieldRef: { resource: "limits.memory" } });
  assert.deepEqual(env.get("REGION")?.valueFrom, { configMapKeyRef: { name: "settings", key: "region" } });
  assert.equal(env.get("LOG_LEVEL")?.value, "info");
  assert.deepEqual(result.envFrom, SERVER.envFrom);
  for (const e of result.env) assert.ok(!(e.value !== undefined && e.valueFrom !== undefined), e.name);
});

test("env: server-only and forbidden variables are not inherited", () => {
  const env = byName(buildAgentEnv(envInput({})).env);
  for (const name of ["HOME", "HOSTNAME", "PAPERCLIP_DATABASE_URL", "PAPERCLIP_API_KEY"]) assert.equal(env.has(name), false, name);
  assert.equal(env.get("PAPERCLIP_RUNTIME_API_URL")?.value, "http://paperclip:3100");
});

const PRECEDENCE: [string, Partial<EnvInput>, string, V1EnvVar][] = [
  ["inherited alone", {}, "LOG_LEVEL", { name: "LOG_LEVEL", value: "info" }],
  ["pod var over inherited", { podVars: { LOG_LEVEL: "pod" } }, "LOG_LEVEL", { name: "LOG_LEVEL", value: "pod" }],
  ["run var over pod var", { podVars: { X: "pod" }, runVars: { X: "run" } }, "X", { name: "X", value: "run" }],
  ["config over run var", { runVars: { X: "run" }, configEnv: { X: "config" } }, "X", { name: "X", value: "config" }],
  ["config literal replaces an inherited valueFrom", { configEnv: { ANTHROPIC_API_KEY: "sk-config" } }, "ANTHROPIC_API_KEY", { name: "ANTHROPIC_API_KEY", value: "sk-config" }],
  ["run var replaces an inherited valueFrom", { runVars: { REGION: "eu" } }, "REGION", { name: "REGION", value: "eu" }],
  ["secret ref over everything", { runVars: { PAPERCLIP_API_KEY: "literal-token" }, secretRefs: [{ name: "PAPERCLIP_API_KEY", secretName: "s", key: "agent-token" }] },
    "PAPERCLIP_API_KEY", { name: "PAPERCLIP_API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "agent-token" } } }],
  ["dollar signs escaped for the kubelet", { configEnv: { Q: "a$(HOME)b$$c" } }, "Q", { name: "Q", value: "a$$(HOME)b$$$$c" }],
];
for (const [label, overrides, name, expected] of PRECEDENCE) {
  test(`env precedence: ${label}`, () => {
    const result = buildAgentEnv(envInput(overrides));
    assert.deepEqual(result.errors, []);
    const matching = result.env.filter((e) => e.name === name);
    assert.equal(matching.length, 1, `exactly one ${name}`);
    assert.deepEqual(matching[0], expected);
  });
}

test("env: a forbidden key in config is refused, naming the key", () => {
  const result = buildAgentEnv(envInput({ configEnv: { PAPERCLIP_API_KEY: "mine", OK: "1" } }));
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]?.field, "env.PAPERCLIP_API_KEY");
  assert.match(result.errors[0]?.message ?? "", /^env\.PAPERCLIP_API_KEY: .*reserved.*remove it/);
  assert.equal(byName(result.env).get("PAPERCLIP_API_KEY"), undefined, "never a literal token");
});

test("env: an invalid variable name in config is refused", () => {
  const result = buildAgentEnv(envInput({ configEnv: { "1BAD": "x", "A B": "y" } }));
  assert.deepEqual(result.errors.map((e) => e.field), ["env.1BAD", "env.A B"]);
});

test("env: higher layers come after the inherited ones (so $(VAR) can reference them)", () => {
  const names = buildAgentEnv(envInput({ podVars: { HOME: "/h" }, runVars: { R: "1" }, configEnv: { C: "2" } })).env.map((e) => e.name);
  assert.ok(names.indexOf("LOG_LEVEL") < names.indexOf("HOME"));
  assert.ok(names.indexOf("HOME") < names.indexOf("R") && names.indexOf("R") < names.indexOf("C"));
});

test("env: outside a cluster (no server container) only our layers", () => {
  const result = buildAgentEnv(envInput({ serverContainer: null, runVars: { A: "1" } }));
  assert.deepEqual(result.env, [{ name: "A", value: "1" }]);
  assert.deepEqual(result.envFrom, []);
});
