// Every HTTP fault, seen through the client as it would be against a real cluster.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApiException, CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import { trustCa } from "./support/trust.ts";
import type { KubeSim } from "../src/sim.ts";
import type { ContainerLog, LogLine } from "../src/kubelet/log-types.ts";

class LiveLog implements ContainerLog {
  ended = false;
  private readonly written: LogLine[] = [];
  private readonly followers = new Set<(line: LogLine) => void>();
  lines(): readonly LogLine[] { return [...this.written]; }
  follow(onLine: (line: LogLine) => void): () => void {
    this.followers.add(onLine);
    return () => this.followers.delete(onLine);
  }
  write(text: string): void {
    const line: LogLine = { timeNs: 0n, timestamp: "1970-01-01T00:00:00.000000000Z", stream: "stdout", text };
    this.written.push(line);
    for (const f of this.followers) f(line);
  }
}

const live = new LiveLog();
let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;

before(async () => {
  sim = await startKubeSim({ runtime: false, logSource: { containerLog: () => live } });
  trustCa(sim.caPem);
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "p" },
    spec: { nodeName: "node-1", containers: [{ name: "main", image: "busybox" }] } } });
});

after(async () => {
  await sim.stop();
});

const auth = () => ({ Authorization: `Bearer ${sim.token}` });

async function codeOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    assert.ok(error instanceof ApiException, String(error));
    return error.code;
  }
}

/** Opens a follow stream and returns a reader that collects text and how it ended. */
async function followLog() {
  const response = await fetch(`${sim.url}/api/v1/namespaces/default/pods/p/log?follow=true`, { headers: auth() });
  assert.equal(response.status, 200);
  const state = { text: "", outcome: "open" as "open" | "ended" | "error", arrivals: [] as { atMs: number; text: string }[] };
  const reader = response.body?.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) { state.outcome = "ended"; return; }
        const text = Buffer.from(chunk.value).toString("utf8");
        state.text += text;
        state.arrivals.push({ atMs: performance.now(), text });
      }
    } catch {
      state.outcome = "error";
    }
  })();
  return { state, done, cancel: () => reader?.cancel().catch(() => {}) };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("latency on a matching route delays only the next N matching requests", async () => {
  sim.faults.addLatency({ method: "GET", path: "/configmaps", ms: 200, count: 1 });
  let started = Date.now();
  await core.listNamespacedSecret({ namespace: "default" });
  assert.ok(Date.now() - started < 150, "a non-matching route is not delayed");
  started = Date.now();
  await core.listNamespacedConfigMap({ namespace: "default" });
  assert.ok(Date.now() - started >= 195, "the matching request waited");
  started = Date.now();
  await core.listNamespacedConfigMap({ namespace: "default" });
  assert.ok(Date.now() - started < 150, "the rule is spent");
});

test("a 503 burst for the next 2 requests, then success; 429 carries Retry-After", async () => {
  sim.faults.failRequests({ code: 503, count: 2, path: "/namespaces/default/configmaps" });
  assert.equal(await codeOf(core.listNamespacedConfigMap({ namespace: "default" })), 503);
  assert.equal(await codeOf(core.listNamespacedConfigMap({ namespace: "default" })), 503);
  assert.equal(await codeOf(core.listNamespacedConfigMap({ namespace: "default" })), 200);
  sim.faults.failRequests({ code: 429, durationMs: 10_000, retryAfterSeconds: 3, method: "GET", path: "/secrets" });
  const throttled = await fetch(`${sim.url}/api/v1/namespaces/default/secrets`, { headers: auth() });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get("retry-after"), "3");
  assert.equal(((await throttled.json()) as { reason: string }).reason, "TooManyRequests");
  sim.faults.clear();
  assert.equal((await fetch(`${sim.url}/api/v1/namespaces/default/secrets`, { headers: auth() })).status, 200);
});

test("cutting log streams resets the connection mid-follow", async () => {
  const stream = await followLog();
  live.write("one");
  await waitFor(() => stream.state.text === "one\n", "the first line");
  assert.equal(sim.faults.cutLogStreams(), 1);
  await stream.done;
  assert.equal(stream.state.outcome, "error");
  assert.equal(sim.faults.openLogStreams(), 0);
});

test("cutting log streams every N ms keeps cutting new streams", async () => {
  sim.faults.cutLogStreamsEvery(50);
  try {
    for (let i = 0; i < 2; i++) {
      const stream = await followLog();
      await stream.done;
      assert.equal(stream.state.outcome, "error");
    }
  } finally {
    sim.faults.stopCuttingLogStreams();
  }
});

test("hung log streams stay open and silent, then deliver what was held", async () => {
  const stream = await followLog();
  await waitFor(() => stream.state.text === "one\n", "the existing line");
  const hangMs = 300;
  const hungAt = performance.now();
  sim.faults.hangLogStreams(hangMs);
  live.write("during-hang");
  await waitFor(() => stream.state.text.endsWith("during-hang\n"), "the held line after the hang");
  // Silence is proven by when the line arrived (a lower bound, which load cannot break), not by
  // looking at the stream after a sleep that load can stretch past the hang. Timers may fire a
  // millisecond early.
  const arrived = stream.state.arrivals.find((a) => a.text.includes("during-hang"))?.atMs ?? 0;
  assert.ok(arrived - hungAt >= hangMs - 2, `the line written during the hang arrived ${arrived - hungAt} ms after it began`);
  assert.equal(stream.state.outcome, "open", "the stream stayed open through the hang");
  assert.equal(sim.faults.logStreamsHung(), false);
  stream.cancel();
  await stream.done;
});

test("a hang replaced by a longer one ends with the later hang; every hang resumes by its own timer", async () => {
  const stream = await followLog();
  await waitFor(() => stream.state.text.endsWith("during-hang\n"), "the earlier lines");
  const before = stream.state.text;
  const hungAt = performance.now();
  sim.faults.hangLogStreams(100);
  sim.faults.hangLogStreams(400);
  live.write("after-two-hangs");
  await waitFor(() => stream.state.text.endsWith("after-two-hangs\n"), "the held line after the second hang");
  const arrived = stream.state.arrivals.find((a) => a.text.includes("after-two-hangs"))?.atMs ?? 0;
  assert.ok(arrived - hungAt >= 398, `held until the second hang ended: arrived after ${arrived - hungAt} ms`);
  assert.equal(stream.state.text, `${before}after-two-hangs\n`);
  stream.cancel();
  await stream.done;
});

test("hangs started back to back always resume (no wall-clock check can skip a resume)", async () => {
  for (let i = 0; i < 40; i++) {
    const stream = await followLog();
    await waitFor(() => stream.state.text.length > 0, "the existing lines");
    sim.faults.hangLogStreams(1 + (i % 3));
    live.write(`hang-${i}`);
    await waitFor(() => stream.state.text.endsWith(`hang-${i}\n`), `the line held by hang ${i}`);
    stream.cancel();
    await stream.done;
  }
});

test("a partition refuses connections for its duration", async () => {
  sim.faults.partition(300);
  await assert.rejects(fetch(`${sim.url}/version`), /fetch failed/);
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal((await fetch(`${sim.url}/version`)).status, 200);
});

test("ending watches silently ends the stream with no event", async () => {
  const events: string[] = [];
  const done = new Promise<unknown>((resolve) => {
    void new Watch(kc).watch("/api/v1/namespaces/default/pods", { resourceVersion: String(sim.store.currentResourceVersion()) },
      (type) => events.push(type), resolve);
  });
  await waitFor(() => sim.faults.openWatches() === 1, "the watch");
  assert.equal(sim.faults.endWatches({ expired: false }), 1);
  assert.equal(await done, null);
  assert.deepEqual(events, []);
});

test("restarting the API server drops connections, keeps state and the port", async () => {
  const url = sim.url;
  const done = new Promise<unknown>((resolve) => {
    void new Watch(kc).watch("/api/v1/namespaces/default/pods", {}, () => {}, resolve);
  });
  await waitFor(() => sim.faults.openWatches() === 1, "the watch");
  await sim.faults.restartServer();
  await done;
  assert.equal(sim.server.url, url);
  const pod = await core.readNamespacedPod({ name: "p", namespace: "default" });
  assert.equal(pod.metadata?.name, "p");
});

test("the admin endpoint injects faults by JSON and rejects unknown ones", async () => {
  const post = (body: unknown) => fetch(`${sim.url}/_sim/faults`, { method: "POST",
    headers: { ...auth(), "Content-Type": "application/json" }, body: JSON.stringify(body) });
  assert.equal((await post({ fault: "errors", code: 500, count: 1, path: "/namespaces/default/pods/p$" })).status, 200);
  assert.equal(await codeOf(core.readNamespacedPod({ name: "p", namespace: "default" })), 500);
  assert.equal(await codeOf(core.readNamespacedPod({ name: "p", namespace: "default" })), 200);
  const unknown = await post({ fault: "oomKill" });
  assert.equal(unknown.status, 400);
  assert.match(((await unknown.json()) as { message: string }).message, /unknown fault "oomKill"/);
});
