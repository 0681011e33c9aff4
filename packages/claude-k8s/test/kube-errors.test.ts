import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { AbortError, ApiException, CoreV1Api, FetchError, KubeConfig, Watch } from "@kubernetes/client-node";
import { classifyKubeError, classifyStatus, isNotFound, StatusError, isTransient, KubeAbortError, parseRetryAfter, parseStatus } from "../src/kube/errors.ts";
import type { KubeErrorKind } from "../src/kube/errors.ts";
import { configMap, startSimClient, thrownBy } from "./kube-support.ts";
import type { SimClient } from "./kube-support.ts";

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}
function api(code: number, body: unknown, headers: Record<string, string> = {}): ApiException<unknown> {
  return new ApiException(code, "Unknown API Status Code!", body, headers);
}
function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const syntheticCases: { name: string; error: unknown; kind: KubeErrorKind; code?: number | null; reason?: string | null; retryAfterMs?: number | null; message?: RegExp }[] = [
  { name: "404 Status text", error: api(404, status(404, "NotFound", 'jobs.batch "x" not found')), kind: "notFound", code: 404, reason: "NotFound", message: /^jobs\.batch "x" not found \(404 NotFound\)$/ },
  { name: "409 AlreadyExists", error: api(409, status(409, "AlreadyExists", 'jobs.batch "x" already exists')), kind: "alreadyExists", reason: "AlreadyExists" },
  { name: "409 Conflict", error: api(409, status(409, "Conflict", "the object has been modified")), kind: "conflict", reason: "Conflict" },
  { name: "410 Expired", error: api(410, status(410, "Expired", "too old resource version")), kind: "gone" },
  { name: "403 Forbidden", error: api(403, status(403, "Forbidden", "pods is forbidden")), kind: "forbidden" },
  { name: "401 with no body", error: api(401, undefined), kind: "unauthorized", code: 401, reason: null },
  { name: "422 Invalid", error: api(422, status(422, "Invalid", "Job is invalid")), kind: "invalid" },
  { name: "400 BadRequest", error: api(400, status(400, "BadRequest", "unable to parse requirement")), kind: "invalid" },
  { name: "500 non-JSON body", error: api(500, "<html>bad gateway</html>"), kind: "transient", code: 500, reason: null, message: /bad gateway.*\(500\)/ },
  { name: "503 with Retry-After", error: api(503, status(503, "ServiceUnavailable", "x"), { "retry-after": "2" }), kind: "transient", retryAfterMs: 2000 },
  { name: "429 with Retry-After", error: api(429, status(429, "TooManyRequests", "slow down"), { "Retry-After": "1" }), kind: "transient", retryAfterMs: 1000 },
  { name: "body already an object", error: api(404, { kind: "Status", reason: "NotFound", message: "gone", code: 404 }), kind: "notFound", reason: "NotFound" },
  { name: "418 other code", error: api(418, "teapot"), kind: "terminal", code: 418 },
  { name: "watch non-200 (statusCode)", error: Object.assign(new Error("Gone"), { statusCode: 410 }), kind: "gone", code: 410 },
  { name: "ECONNREFUSED", error: withCode("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"), kind: "transient", code: null },
  { name: "ECONNRESET", error: withCode("read ECONNRESET", "ECONNRESET"), kind: "transient" },
  { name: "ETIMEDOUT", error: withCode("timeout", "ETIMEDOUT"), kind: "transient" },
  { name: "EPIPE", error: withCode("write EPIPE", "EPIPE"), kind: "transient" },
  { name: "EHOSTUNREACH", error: withCode("no route", "EHOSTUNREACH"), kind: "transient" },
  { name: "ENOTFOUND", error: withCode("getaddrinfo ENOTFOUND x", "ENOTFOUND"), kind: "transient" },
  { name: "socket hang up", error: new Error("socket hang up"), kind: "transient" },
  { name: "Premature close", error: withCode("Premature close", "ERR_STREAM_PREMATURE_CLOSE"), kind: "transient" },
  { name: "undici fetch failed with a cause", error: new TypeError("fetch failed", { cause: withCode("connect", "ECONNREFUSED") }), kind: "transient" },
  { name: "node-fetch FetchError system", error: new FetchError("request to x failed, reason: boom", "system"), kind: "transient" },
  { name: "node-fetch AbortError", error: new AbortError("The operation was aborted."), kind: "aborted" },
  { name: "DOMException AbortError", error: new DOMException("aborted", "AbortError"), kind: "aborted" },
  { name: "KubeAbortError", error: new KubeAbortError(), kind: "aborted" },
  { name: "plain Error", error: new Error("no such thing"), kind: "terminal", message: /^no such thing$/ },
  { name: "a string", error: "weird", kind: "terminal" },
  { name: "undefined", error: undefined, kind: "terminal" },
];

for (const c of syntheticCases) {
  test(`classifyKubeError: ${c.name} → ${c.kind}`, () => {
    const classified = classifyKubeError(c.error);
    assert.equal(classified.kind, c.kind);
    if (c.code !== undefined) assert.equal(classified.code, c.code);
    if (c.reason !== undefined) assert.equal(classified.reason, c.reason);
    if (c.retryAfterMs !== undefined) assert.equal(classified.retryAfterMs, c.retryAfterMs);
    if (c.message) assert.match(classified.message, c.message);
    assert.ok(!classified.message.includes("\n"), "one line");
  });
}

const retryAfterCases: { value: unknown; expected: number | null }[] = [
  { value: "1", expected: 1000 }, { value: "0", expected: 0 }, { value: " 2.5 ", expected: 2500 }, { value: ["3"], expected: 3000 },
  { value: "", expected: null }, { value: "soon", expected: null }, { value: undefined, expected: null }, { value: -1, expected: null },
  { value: new Date(10_000).toUTCString(), expected: 10_000 - 4_000 },
];
for (const c of retryAfterCases) {
  test(`parseRetryAfter(${JSON.stringify(c.value)}) = ${c.expected}`, () => {
    assert.equal(parseRetryAfter(c.value, 4_000), c.expected);
  });
}

test("parseStatus: JSON text of a Status, an object, and non-Status inputs", () => {
  assert.equal(parseStatus(status(404, "NotFound", "m"))?.reason, "NotFound");
  assert.equal(parseStatus("{not json"), null);
  assert.equal(parseStatus("[1]"), null);
  assert.equal(parseStatus(null), null);
  assert.equal(parseStatus({ items: [] }), null);
});

let client: SimClient;
before(async () => {
  client = await startSimClient({ users: [{ token: "limited-token", user: "limited", rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] }] });
});
after(async () => {
  client.sim.faults.clear();
  await client.sim.stop();
});

test("kube-sim through client-node: 404, 409 AlreadyExists, 409 Conflict, 422", async () => {
  const { core } = client;
  const missing = classifyKubeError(await thrownBy(() => core.readNamespacedConfigMap({ name: "nope", namespace: "default" })));
  assert.deepEqual([missing.kind, missing.code, missing.reason], ["notFound", 404, "NotFound"]);
  assert.match(missing.message, /configmaps "nope" not found \(404 NotFound\)/);
  const created = await core.createNamespacedConfigMap({ namespace: "default", body: configMap("errs-a") });
  const exists = classifyKubeError(await thrownBy(() => core.createNamespacedConfigMap({ namespace: "default", body: configMap("errs-a") })));
  assert.deepEqual([exists.kind, exists.code, exists.reason], ["alreadyExists", 409, "AlreadyExists"]);
  await core.replaceNamespacedConfigMap({ name: "errs-a", namespace: "default", body: { ...created, data: { a: "1" } } });
  const stale = classifyKubeError(await thrownBy(() => core.replaceNamespacedConfigMap({ name: "errs-a", namespace: "default", body: { ...created, data: { a: "2" } } })));
  assert.deepEqual([stale.kind, stale.code, stale.reason], ["conflict", 409, "Conflict"]);
  const invalid = classifyKubeError(await thrownBy(() => core.createNamespacedConfigMap({ namespace: "default", body: configMap("Bad_Name") })));
  assert.deepEqual([invalid.kind, invalid.code, invalid.reason], ["invalid", 422, "Invalid"]);
});

test("kube-sim through client-node: 403 for a limited user, 401 for an unknown token", async () => {
  const limited = await startSimClientFor(client, "limited-token");
  const forbidden = classifyKubeError(await thrownBy(() => limited.listNamespacedConfigMap({ namespace: "default" })));
  assert.deepEqual([forbidden.kind, forbidden.code, forbidden.reason], ["forbidden", 403, "Forbidden"]);
  assert.match(forbidden.message, /User "limited" cannot list/);
  const stranger = await startSimClientFor(client, "wrong-token");
  assert.equal(classifyKubeError(await thrownBy(() => stranger.listNamespacedConfigMap({ namespace: "default" }))).kind, "unauthorized");
});

test("kube-sim through client-node: 500, 503 and 429 bursts with Retry-After are transient", async () => {
  const { sim, core } = client;
  const read = () => core.listNamespacedConfigMap({ namespace: "default" });
  for (const [code, retryAfterSeconds] of [[500, undefined], [503, 2], [429, 1]] as const) {
    sim.faults.failRequests({ code, count: 1, retryAfterSeconds, path: "/configmaps" });
    const classified = classifyKubeError(await thrownBy(read));
    assert.deepEqual([classified.kind, classified.code], ["transient", code]);
    if (retryAfterSeconds !== undefined) assert.equal(classified.retryAfterMs, retryAfterSeconds * 1000, `Retry-After on ${code}`);
    else assert.equal(classified.retryAfterMs, null);
  }
  assert.ok(Array.isArray((await read()).items), "the burst is over");
});

test("kube-sim through client-node: a partition refuses connections (transient), a restart resets a watch (transient)", async () => {
  const { sim, core, kubeConfig } = client;
  sim.faults.partition(300);
  const refused = classifyKubeError(await thrownBy(() => core.listNamespacedConfigMap({ namespace: "default" })));
  assert.equal(refused.kind, "transient", refused.message);
  assert.equal(refused.code, null);
  assert.ok(isTransient(await thrownBy(() => core.listNamespacedConfigMap({ namespace: "default" }))), "still partitioned");
  sim.faults.clear();
  const ended = await watchUntilDone(kubeConfig, async () => { await sim.faults.restartServer(); });
  assert.equal(classifyKubeError(ended).kind, "transient", `watch ended with ${String(ended)}`);
});

test("kube-sim through client-node: a 410 ERROR event from a watch classifies as gone", async () => {
  const { sim, kubeConfig } = client;
  let errorObject: unknown;
  await watchUntilDone(kubeConfig, async () => { sim.faults.endWatches({ expired: true }); }, (type, object) => {
    if (type === "ERROR") errorObject = object;
  });
  const classified = classifyStatus(errorObject);
  assert.deepEqual([classified.kind, classified.code, classified.reason], ["gone", 410, "Expired"]);
  assert.equal(isNotFound(new StatusError(errorObject)), false);
  assert.equal(classifyKubeError(new StatusError(errorObject)).kind, "gone");
});

async function startSimClientFor(source: SimClient, token: string) {
  const kc = new KubeConfig();
  kc.loadFromString(source.sim.kubeconfigFor(token));
  return kc.makeApiClient(CoreV1Api);
}

/** Starts a configmap watch, runs `fault` once it is connected, returns what `done` got. */
async function watchUntilDone(kubeConfig: KubeConfig, fault: () => Promise<void>, onEvent: (type: string, object: unknown) => void = () => {}): Promise<unknown> {
  let resolveDone: (error: unknown) => void = () => {};
  const done = new Promise<unknown>((resolve) => { resolveDone = resolve; });
  const controller = await new Watch(kubeConfig).watch("/api/v1/namespaces/default/configmaps", { resourceVersion: "0" }, onEvent, (error) => resolveDone(error));
  try {
    await fault();
    return await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error("watch did not end within 5 s")), 5000).unref())]);
  } finally {
    controller.abort();
  }
}
