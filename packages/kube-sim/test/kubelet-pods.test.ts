import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CONFIGMAPS, PODS, SECRETS } from "../src/store/resources.ts";
import type { KubeObject } from "../src/store/types.ts";
import { containerState, createPod, phase, startWorld, versions, waitFor, type World } from "./runtime-support.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

async function withWorld(body: (world: World) => Promise<void>, options = {}): Promise<void> {
  const world = await startWorld(options);
  try {
    await body(world);
  } finally {
    await world.stop();
  }
}

function logText(world: World, pod: string, container = "main"): string[] {
  return world.runtime.logSource.containerLog("default", pod, container)?.lines().map((l) => l.text) ?? [];
}

const terminal = (p: KubeObject | undefined) => containerState(p).terminated !== undefined;

function sh(script: string, extra: Record<string, unknown> = {}) {
  return { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], ...extra }] };
}

test("env from literal, secretKeyRef, configMapKeyRef, fieldRef, envFrom with prefix, $(VAR) expansion", () => withWorld(async (world) => {
  world.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" }, data: { token: b64("t0k") } });
  world.store.create(CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, data: { mode: "fast", x: "1" } });
  createPod(world.store, "envpod", sh('echo "$A|$TOKEN|$MODE|$POD|$NS|$LBL|$P_mode|$P_x|$B|$MISSING"', { env: [
    { name: "A", value: "lit" },
    { name: "TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "token" } } },
    { name: "MODE", valueFrom: { configMapKeyRef: { name: "c", key: "mode" } } },
    { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: "LBL", valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
    { name: "B", value: "$(A)-$$(A)" },
    { name: "MISSING", valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } } },
  ], envFrom: [{ prefix: "P_", configMapRef: { name: "c" } }] }), { labels: { team: "red" } });
  await waitFor(world.store, PODS, "default", "envpod", terminal);
  assert.deepEqual(logText(world, "envpod"), ["lit|t0k|fast|envpod|default|red|fast|1|lit-$(A)|"]);
}));

test("a missing secret key gives CreateContainerConfigError and the pod stays Pending", () => withWorld(async (world) => {
  createPod(world.store, "noenv", sh("true", { env: [{ name: "T", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }] }));
  const pod = await waitFor(world.store, PODS, "default", "noenv", (p) => containerState(p).waiting?.reason === "CreateContainerConfigError");
  assert.equal(containerState(pod).waiting?.message, 'secret "absent" not found');
  assert.equal(phase(pod), "Pending");
}));

test("an unknown image: ErrImagePull then ImagePullBackOff, pod Pending", () => withWorld(async (world) => {
  createPod(world.store, "noimage", { containers: [{ name: "main", image: "registry.example/nope:1", command: ["true"] }] });
  await waitFor(world.store, PODS, "default", "noimage", (p) => containerState(p).waiting?.reason === "ErrImagePull");
  const pod = await waitFor(world.store, PODS, "default", "noimage", (p) => containerState(p).waiting?.reason === "ImagePullBackOff");
  assert.equal(phase(pod), "Pending");
}));

test("an unschedulable pod: PodScheduled False, reason Unschedulable, the scheduler's message", () => withWorld(async (world) => {
  createPod(world.store, "nowhere", { ...sh("true"), nodeSelector: { disk: "ssd" } });
  const pod = await waitFor(world.store, PODS, "default", "nowhere", (p) => (p?.status as { conditions?: unknown[] } | undefined)?.conditions !== undefined);
  const condition = (pod?.status as { conditions: { type: string; status: string; reason: string; message: string }[] }).conditions[0];
  assert.deepEqual([condition?.type, condition?.status, condition?.reason], ["PodScheduled", "False", "Unschedulable"]);
  assert.equal(condition?.message, "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
  assert.equal((pod?.spec as { nodeName?: string }).nodeName, undefined);
}));

test("a failing init container fails the pod and the main container never starts", () => withWorld(async (world) => {
  createPod(world.store, "badinit", { initContainers: [{ name: "init", image: "busybox", command: ["sh", "-c", "exit 2"] }],
    ...sh("echo never") });
  const pod = await waitFor(world.store, PODS, "default", "badinit", (p) => phase(p) === "Failed" && terminal(p));
  const init = (pod?.status as { initContainerStatuses: { state: { terminated?: { exitCode: number } } }[] }).initContainerStatuses[0];
  assert.equal(init?.state.terminated?.exitCode, 2);
  assert.deepEqual(logText(world, "badinit"), []);
}));

test("runAsUser: the process runs with the pod's uid and gid", () => withWorld(async (world) => {
  createPod(world.store, "uid", { ...sh("id -u; id -g"), securityContext: { runAsUser: 1000, runAsGroup: 1000 } });
  await waitFor(world.store, PODS, "default", "uid", terminal);
  assert.deepEqual(logText(world, "uid"), ["1000", "1000"]);
}));

test("volumes at real mount paths: a secret readable at its mountPath, a PVC shared by two pods", () => withWorld(async (world) => {
  world.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "prompt", namespace: "default" }, data: { "prompt.txt": b64("hello é") } });
  const volumes = [{ name: "p", secret: { secretName: "prompt", defaultMode: 0o440 } }, { name: "data", persistentVolumeClaim: { claimName: "shared" } }];
  const mounts = [{ name: "p", mountPath: "/var/run/kube-sim-test/prompt" }, { name: "data", mountPath: "/var/run/kube-sim-test/data" }];
  createPod(world.store, "writer", { ...sh("cat /var/run/kube-sim-test/prompt/prompt.txt; echo shared > /var/run/kube-sim-test/data/f", { volumeMounts: mounts }),
    volumes, securityContext: { runAsUser: 1000, runAsGroup: 0 } });
  await waitFor(world.store, PODS, "default", "writer", terminal);
  createPod(world.store, "reader", { ...sh("cat /var/run/kube-sim-test/data/f", { volumeMounts: mounts }), volumes });
  await waitFor(world.store, PODS, "default", "reader", terminal);
  if (world.runtime.kubelet.isolation !== "namespace") return; // mount paths are real only with unshare
  assert.deepEqual(logText(world, "writer"), ["hello é"]);
  assert.deepEqual(logText(world, "reader"), ["shared"]);
}));

test("fsGroup: a non-root user reads a 0440 secret file through the pod's fsGroup, and not without it", () => withWorld(async (world) => {
  world.store.create(SECRETS, { apiVersion: "v1", kind: "Secret", metadata: { name: "run", namespace: "default" }, data: { prompt: b64("secret prompt") } });
  const volumes = [{ name: "run", secret: { secretName: "run", defaultMode: 0o440 } }];
  const mounts = [{ name: "run", mountPath: "/var/run/kube-sim-test/run" }];
  const reader = sh("cat /var/run/kube-sim-test/run/prompt", { volumeMounts: mounts });
  createPod(world.store, "with-fsgroup", { ...reader, volumes, securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 } });
  createPod(world.store, "without-fsgroup", { ...reader, volumes, securityContext: { runAsUser: 1000, runAsGroup: 1000 } });
  const withGroup = await waitFor(world.store, PODS, "default", "with-fsgroup", terminal);
  const withoutGroup = await waitFor(world.store, PODS, "default", "without-fsgroup", terminal);
  assert.equal((withGroup?.status as { phase?: string }).phase, "Succeeded");
  assert.equal((withoutGroup?.status as { phase?: string }).phase, "Failed");
  if (world.runtime.kubelet.isolation === "namespace") assert.deepEqual(logText(world, "with-fsgroup"), ["secret prompt"]);
}));

test("mount paths and working directories made on the host are removed once no container needs them", () => withWorld(async (world) => {
  const base = `/kube-sim-test-dirs-${process.pid}`;
  const existing = mkdtempSync(path.join(tmpdir(), "kube-sim-existing-"));
  const gate = path.join(existing, "gate");
  const namespaced = world.runtime.kubelet.isolation === "namespace";
  const waiting = (extra: Record<string, unknown>) => sh(`while [ ! -e ${gate} ]; do sleep 0.05; done`, extra);
  const volumes = [{ name: "work", emptyDir: {} }];
  const mounts = [{ name: "work", mountPath: `${base}/a/vol` }, { name: "work", mountPath: `${base}/a/vol/nested` },
    { name: "work", mountPath: `${existing}/mnt` }];
  try {
    createPod(world.store, "dirs-1", { ...waiting({ volumeMounts: mounts, workingDir: `${base}/wd` }), volumes });
    createPod(world.store, "dirs-2", { ...waiting({ volumeMounts: mounts.slice(0, 1) }), volumes });
    const running = (p: KubeObject | undefined) => containerState(p).running !== undefined;
    await waitFor(world.store, PODS, "default", "dirs-1", running);
    await waitFor(world.store, PODS, "default", "dirs-2", running);
    assert.equal(existsSync(`${base}/wd`), true, "the working directory exists on the host while the container runs");
    if (namespaced) {
      assert.equal(existsSync(`${base}/a/vol`), true, "the mount target exists on the host while the container runs");
      assert.equal(existsSync(`${base}/a/vol/nested`), false, "a target inside another mount is made inside the volume");
    }
    writeFileSync(path.join(base, "left-by-the-host"), "");
    writeFileSync(gate, "");
    await waitFor(world.store, PODS, "default", "dirs-1", terminal);
    await waitFor(world.store, PODS, "default", "dirs-2", terminal);
    assert.deepEqual(readdirSync(base), ["left-by-the-host"], "made directories are gone; a non-empty one stays");
    assert.deepEqual(readdirSync(existing), ["gate"], "the mount target under an existing directory is gone, the directory stays");
    assert.deepEqual(world.runtime.kubelet.hostDirs.held(), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(existing, { recursive: true, force: true });
  }
}));

test("two containers: the first one's end shows while the other runs; the last one's comes with the phase", () => withWorld(async (world) => {
  createPod(world.store, "pair", { containers: [{ name: "quick", image: "busybox", command: ["sh", "-c", "exit 0"] },
    { name: "slow", image: "busybox", command: ["sh", "-c", "sleep 0.5"] }] });
  await waitFor(world.store, PODS, "default", "pair", (p) => phase(p) === "Succeeded");
  const all = versions(world.store, PODS, "pair");
  const midway = all.find((v) => containerState(v, "quick").terminated !== undefined && containerState(v, "slow").running !== undefined);
  assert.equal(phase(midway), "Running", "a version shows quick terminated and slow running");
  const terminal = all.filter((v) => phase(v) === "Succeeded");
  assert.ok(terminal.every((v) => containerState(v, "slow").terminated?.exitCode === 0), "the phase never comes before slow's end");
}));

test("a 500 KB line and UTF-8 are captured intact, with fixed-width RFC3339Nano timestamps", () => withWorld(async (world) => {
  createPod(world.store, "big", sh("head -c 512000 /dev/zero | tr '\\0' x; echo; printf 'é😀\\n'; printf tail"));
  await waitFor(world.store, PODS, "default", "big", terminal);
  const lines = world.runtime.logSource.containerLog("default", "big", "main")?.lines() ?? [];
  assert.deepEqual(lines.map((l) => l.text.length), [512000, 3, 4]);
  assert.equal(lines[1]?.text, "é😀");
  for (const line of lines) assert.match(line.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
}));

test("the real Claude Code CLI runs inside a pod as uid 1000", () => withWorld(async (world) => {
  const claude = new URL("../../../node_modules/.bin/claude", import.meta.url).pathname;
  createPod(world.store, "claude", { containers: [{ name: "main", image: "node", command: [claude, "--version"],
    env: [{ name: "HOME", value: "/tmp" }] }], securityContext: { runAsUser: 1000, runAsGroup: 1000 } });
  const pod = await waitFor(world.store, PODS, "default", "claude", terminal, 30_000);
  assert.equal(containerState(pod).terminated?.exitCode, 0, logText(world, "claude").join("\n"));
  assert.match(logText(world, "claude").join("\n"), /\d+\.\d+\.\d+ \(Claude Code\)/);
}));
