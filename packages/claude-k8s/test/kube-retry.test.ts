import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApiException } from "@kubernetes/client-node";
import { classifyKubeError, isAborted } from "../src/kube/errors.ts";
import { abortableSleep, retryDelayMs, validateRetryOptions, withRetry } from "../src/kube/retry.ts";
import type { RetryOptions } from "../src/kube/retry.ts";
import { startSimClient, thrownBy } from "./kube-support.ts";
import type { SimClient } from "./kube-support.ts";

function apiError(code: number, retryAfter?: string): ApiException<string> {
  const body = JSON.stringify({ kind: "Status", status: "Failure", message: `injected ${code}`, reason: "X", code });
  return new ApiException(code, "m", body, retryAfter === undefined ? {} : { "retry-after": retryAfter });
}

/** A fake clock whose sleeps advance time instantly and are recorded. */
function fakeTime() {
  let nowMs = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => nowMs,
    sleep: async (ms: number, signal: AbortSignal | undefined) => {
      if (signal?.aborted) throw new Error("aborted");
      sleeps.push(ms);
      nowMs += ms;
    },
  };
}

/** An operation that throws the scripted errors in order, then returns "ok". */
function scripted(errors: unknown[]) {
  const calls: number[] = [];
  return {
    calls,
    operation: async (attempt: number) => {
      calls.push(attempt);
      const next = errors[calls.length - 1];
      if (next !== undefined) throw next;
      return "ok";
    },
  };
}

const delayCases: { name: string; attempt: number; retryAfterMs: number | null; random: number; remainingMs: number; expected: number }[] = [
  { name: "first attempt, no jitter", attempt: 1, retryAfterMs: null, random: 0, remainingMs: Infinity, expected: 50 },
  { name: "first attempt, full jitter", attempt: 1, retryAfterMs: null, random: 0.999999, remainingMs: Infinity, expected: 100 },
  { name: "doubles per attempt", attempt: 3, retryAfterMs: null, random: 0, remainingMs: Infinity, expected: 200 },
  { name: "capped by maxDelay", attempt: 20, retryAfterMs: null, random: 0.999999, remainingMs: Infinity, expected: 1000 },
  { name: "huge attempt numbers stay finite", attempt: 5000, retryAfterMs: null, random: 0.5, remainingMs: Infinity, expected: 750 },
  { name: "Retry-After honoured", attempt: 1, retryAfterMs: 700, random: 0.5, remainingMs: Infinity, expected: 700 },
  { name: "Retry-After bounded by maxDelay", attempt: 1, retryAfterMs: 60_000, random: 0.5, remainingMs: Infinity, expected: 1000 },
  { name: "Retry-After bounded by the deadline", attempt: 1, retryAfterMs: 900, random: 0.5, remainingMs: 300, expected: 300 },
  { name: "backoff bounded by the deadline", attempt: 4, retryAfterMs: null, random: 0.999999, remainingMs: 120, expected: 120 },
];
for (const c of delayCases) {
  test(`retryDelayMs: ${c.name}`, () => {
    const delay = retryDelayMs({ attempt: c.attempt, error: { retryAfterMs: c.retryAfterMs }, baseDelayMs: 100, maxDelayMs: 1000, remainingMs: c.remainingMs, random: c.random });
    assert.equal(delay, c.expected);
  });
}

const invalidOptions: { name: string; options: RetryOptions; message: RegExp }[] = [
  { name: "maxAttempts 0", options: { maxAttempts: 0 }, message: /maxAttempts/ },
  { name: "maxAttempts 1.5", options: { maxAttempts: 1.5 }, message: /maxAttempts/ },
  { name: "negative base", options: { baseDelayMs: -1 }, message: /baseDelayMs/ },
  { name: "NaN max", options: { maxDelayMs: Number.NaN }, message: /maxDelayMs/ },
  { name: "max below base", options: { baseDelayMs: 500, maxDelayMs: 100 }, message: /maxDelayMs \(100\) must be >= baseDelayMs \(500\)/ },
  { name: "negative deadline", options: { deadlineMs: -5 }, message: /deadlineMs/ },
  { name: "unbounded", options: { maxAttempts: Infinity }, message: /Infinity needs a deadlineMs or a signal/ },
];
for (const c of invalidOptions) {
  test(`withRetry options: ${c.name} is refused before the first attempt`, async () => {
    assert.throws(() => validateRetryOptions(c.options), c.message);
    const op = scripted([]);
    await assert.rejects(withRetry(op.operation, c.options), c.message);
    assert.equal(op.calls.length, 0);
  });
}

const behaviourCases: { name: string; errors: unknown[]; options?: RetryOptions; calls: number; result: "ok" | number | "abort"; sleeps?: number[] }[] = [
  { name: "succeeds at once", errors: [], calls: 1, result: "ok", sleeps: [] },
  { name: "3×503 then success", errors: [apiError(503), apiError(503), apiError(503)], calls: 4, result: "ok", sleeps: [50, 100, 200] },
  { name: "404 is not retried", errors: [apiError(404)], calls: 1, result: 404, sleeps: [] },
  { name: "409 is not retried", errors: [apiError(409)], calls: 1, result: 409 },
  { name: "gives up after maxAttempts with the last error", errors: [apiError(500), apiError(502), apiError(503)], options: { maxAttempts: 3 }, calls: 3, result: 503, sleeps: [50, 100] },
  { name: "429 Retry-After 1 waits 1000 ms", errors: [apiError(429, "1")], calls: 2, result: "ok", sleeps: [1000] },
  { name: "deadline stops the retries", errors: [apiError(500), apiError(500), apiError(500), apiError(500)], options: { deadlineMs: 120, maxAttempts: Infinity }, calls: 3, result: 500, sleeps: [50, 70] },
  { name: "custom retryOn retries conflicts", errors: [apiError(409)], options: { retryOn: (e) => e.kind === "conflict" }, calls: 2, result: "ok" },
  { name: "network errors retried", errors: [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })], calls: 2, result: "ok" },
];
for (const c of behaviourCases) {
  test(`withRetry: ${c.name}`, async () => {
    const time = fakeTime();
    const op = scripted(c.errors);
    const outcome = await withRetry(op.operation, { baseDelayMs: 100, maxDelayMs: 5000, random: () => 0, ...time, ...c.options })
      .then((value) => value, (error: unknown) => classifyKubeError(error).code);
    assert.equal(outcome, c.result);
    assert.deepEqual(op.calls, Array.from({ length: c.calls }, (_, i) => i + 1));
    if (c.sleeps) assert.deepEqual(time.sleeps, c.sleeps);
  });
}

test("withRetry: a non-retryable error is rethrown as the same object", async () => {
  const original = apiError(403);
  const thrown = await thrownBy(() => withRetry(async () => { throw original; }, { sleep: async () => {} }));
  assert.equal(thrown, original);
});

test("withRetry: onRetry hears each retry with its classification and delay", async () => {
  const heard: [string, number, number][] = [];
  const op = scripted([apiError(500), apiError(429, "2")]);
  await withRetry(op.operation, { ...fakeTime(), random: () => 0, baseDelayMs: 100, onRetry: (e, attempt, delay) => heard.push([e.kind, attempt, delay]) });
  assert.deepEqual(heard, [["transient", 1, 50], ["transient", 2, 2000]]);
});

test("withRetry: an already aborted signal rejects before any attempt", async () => {
  const controller = new AbortController();
  controller.abort();
  const op = scripted([]);
  const error = await thrownBy(() => withRetry(op.operation, { signal: controller.signal }));
  assert.ok(isAborted(error));
  assert.equal(op.calls.length, 0);
});

test("withRetry: abort during a hanging operation rejects right away", async () => {
  const controller = new AbortController();
  const pending = withRetry(() => new Promise<never>(() => {}), { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("cancelled by operator")), 5);
  const error = await thrownBy(() => pending);
  assert.ok(isAborted(error));
  assert.match(String((error as Error).message), /cancelled by operator/);
});

test("abortableSleep: resolves after the delay, rejects on abort and removes its listener", async () => {
  const controller = new AbortController();
  let added = 0;
  let removed = 0;
  const signal = controller.signal;
  const addEventListener = signal.addEventListener.bind(signal);
  const removeEventListener = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof addEventListener>) => { added++; addEventListener(...args); }) as typeof signal.addEventListener;
  signal.removeEventListener = ((...args: Parameters<typeof removeEventListener>) => { removed++; removeEventListener(...args); }) as typeof signal.removeEventListener;
  await abortableSleep(1, signal);
  assert.deepEqual([added, removed], [1, 1]);
  const sleeping = abortableSleep(60_000, signal);
  controller.abort();
  assert.ok(isAborted(await thrownBy(() => sleeping)));
  assert.deepEqual([added, removed], [2, 2]);
});

let client: SimClient;
before(async () => {
  client = await startSimClient();
});
after(async () => {
  client.sim.faults.clear();
  await client.sim.stop();
});

function listConfigMaps() {
  return client.core.listNamespacedConfigMap({ namespace: "default" });
}

test("kube-sim: a GET meeting 3×503 succeeds on the fourth request", async () => {
  const { sim } = client;
  sim.requests.clear();
  sim.faults.failRequests({ code: 503, count: 3, method: "GET", path: "/configmaps" });
  const time = fakeTime();
  const list = await withRetry(listConfigMaps, { sleep: time.sleep, now: time.now });
  assert.ok(Array.isArray(list.items));
  assert.deepEqual(sim.requests.find({ resource: "configmaps" }).map((r) => r.code), [503, 503, 503, 200]);
  assert.equal(time.sleeps.length, 3);
});

test("kube-sim: a 429 with Retry-After 1 waits 1000 ms before the retry", async () => {
  const { sim } = client;
  sim.requests.clear();
  sim.faults.failRequests({ code: 429, count: 1, retryAfterSeconds: 1, path: "/configmaps" });
  const time = fakeTime();
  await withRetry(listConfigMaps, { sleep: time.sleep, now: time.now });
  assert.deepEqual(time.sleeps, [1000]);
  assert.deepEqual(sim.requests.find({ resource: "configmaps" }).map((r) => r.code), [429, 200]);
});

test("kube-sim: a 404 is not retried (exactly one request)", async () => {
  const { sim, core } = client;
  sim.requests.clear();
  const error = await thrownBy(() => withRetry(() => core.readNamespacedConfigMap({ name: "absent", namespace: "default" }), { sleep: async () => {} }));
  assert.equal(classifyKubeError(error).kind, "notFound");
  assert.equal(sim.requests.count({ resource: "configmaps" }), 1);
});

test("kube-sim: abort mid-backoff returns within a few ms", async () => {
  const { sim } = client;
  sim.requests.clear();
  sim.faults.failRequests({ code: 503, count: 1, path: "/configmaps" });
  const controller = new AbortController();
  let abortedAt = 0;
  const pending = withRetry(listConfigMaps, {
    signal: controller.signal, baseDelayMs: 30_000, maxDelayMs: 30_000,
    onRetry: () => setTimeout(() => { abortedAt = performance.now(); controller.abort(); }, 1),
  });
  const error = await thrownBy(() => pending);
  const tookMs = performance.now() - abortedAt;
  assert.ok(isAborted(error), String(error));
  assert.ok(tookMs < 200, `returned ${tookMs.toFixed(1)} ms after the abort`);
  assert.equal(sim.requests.count({ resource: "configmaps" }), 1, "no retry after abort");
  sim.faults.clear();
});
