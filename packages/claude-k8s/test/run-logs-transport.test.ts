// The raw log transport against kube-sim (over HTTPS, the default): the request it sends, a body that ends only
// when the response really completed, a dropped connection as an error (never a silent end), HTTP
// errors with the Status message, and an abort that ends quietly.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import type { LogSource } from "kube-sim";
import { classifyKubeError } from "../src/kube/errors.ts";
import { createHttpLogTransport, logPath, LogTransportError } from "../src/run/log-transport.ts";
import type { LogRequest, LogTransport } from "../src/run/log-transport.ts";
import { ScriptedLog, startWorld, waitUntil } from "./run-logs-support.ts";
import type { World } from "./run-logs-support.ts";

const logs = new Map<string, ScriptedLog>();
const source: LogSource = { containerLog: (ns, pod, container) => logs.get(`${ns}/${pod}/${container}`) };
let world: World;
let transport: LogTransport;

before(async () => {
  world = await startWorld({ runtime: false, logSource: source });
  transport = createHttpLogTransport(world.kubeConfig);
});

after(async () => {
  world.sim.faults.clear();
  await world.sim.stop();
});

const T = BigInt(Date.parse("2024-01-01T00:00:10Z")) * 1_000_000n;

async function pod(name: string, options: { scheduled?: boolean; log?: boolean } = {}): Promise<ScriptedLog> {
  const log = new ScriptedLog();
  if (options.log !== false) logs.set(`default/${name}/main`, log);
  await world.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { ...(options.scheduled === false ? {} : { nodeName: "sim-node-1" }), containers: [{ name: "main", image: "busybox" }] } } });
  return log;
}

function request(name: string, follow: boolean, sinceTime: string | null = null): LogRequest {
  return { namespace: "default", pod: name, container: "main", follow, sinceTime };
}

/** Reads a body to its end; returns the text and what it threw, if anything. */
async function drain(body: AsyncIterable<Uint8Array>, onChunk: (text: string) => void = () => {}): Promise<{ text: string; error: unknown }> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of body) {
      const piece = decoder.decode(chunk, { stream: true });
      text += piece;
      onChunk(text);
    }
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

function logRequests(podName: string): string[] {
  return world.sim.requests.find({ resource: "pods", subresource: "log" }).map((r) => r.path).filter((p) => p.includes(`/pods/${podName}/log`));
}

const pathCases: { request: LogRequest; want: string }[] = [
  { request: request("p", true), want: "/api/v1/namespaces/default/pods/p/log?container=main&timestamps=true&follow=true" },
  { request: request("p", false, "2024-01-01T00:00:05Z"),
    want: "/api/v1/namespaces/default/pods/p/log?container=main&timestamps=true&sinceTime=2024-01-01T00%3A00%3A05Z" },
  { request: { namespace: "a b", pod: "p/x", container: "c&d", follow: false, sinceTime: null },
    want: "/api/v1/namespaces/a%20b/pods/p%2Fx/log?container=c%26d&timestamps=true" },
];

for (const { request: req, want } of pathCases) {
  test(`logPath ${want}`, () => assert.equal(logPath(req), want));
}

test("a non-follow read returns the timestamped log and ends normally", async () => {
  const log = await pod("plain");
  log.write("one", T + 1n);
  log.write("twö", T + 2n);
  const { text, error } = await drain(await transport.open(request("plain", false), AbortSignal.timeout(5_000)));
  assert.equal(error, undefined);
  assert.equal(text, "2024-01-01T00:00:10.000000001Z one\n2024-01-01T00:00:10.000000002Z twö\n");
  assert.match(logRequests("plain")[0] ?? "", /timestamps=true/);
});

test("a follow ends normally when the log ends", async () => {
  const log = await pod("ends");
  log.write("a", T + 1n);
  const { text, error } = await drain(await transport.open(request("ends", true), AbortSignal.timeout(5_000)), (seen) => {
    if (seen.endsWith("a\n")) log.end();
  });
  assert.equal(error, undefined);
  assert.equal(text, "2024-01-01T00:00:10.000000001Z a\n");
});

test("a follow whose connection is dropped throws a transient LogTransportError, never a silent end", async () => {
  const log = await pod("dropped");
  log.write("a", T + 1n);
  const { text, error } = await drain(await transport.open(request("dropped", true), AbortSignal.timeout(5_000)), (seen) => {
    if (seen.endsWith("a\n")) world.sim.faults.cutLogStreams();
  });
  assert.equal(text, "2024-01-01T00:00:10.000000001Z a\n");
  assert.ok(error instanceof LogTransportError, `got ${String(error)}`);
  assert.equal(classifyKubeError(error).kind, "transient");
});

test("abort during a follow ends the body quietly and promptly", async () => {
  const log = await pod("aborted");
  log.write("a", T + 1n);
  const controller = new AbortController();
  const started = Date.now();
  const { text, error } = await drain(await transport.open(request("aborted", true), controller.signal), () => controller.abort());
  assert.equal(error, undefined);
  assert.equal(text, "2024-01-01T00:00:10.000000001Z a\n");
  assert.ok(Date.now() - started < 2_000);
  await waitUntil(() => world.sim.faults.cutLogStreams() === 0, "the server to see the request closed", 2_000);
});

test("an already aborted signal opens nothing", async () => {
  await pod("pre-aborted");
  const before = logRequests("pre-aborted").length;
  const { text, error } = await drain(await transport.open(request("pre-aborted", true), AbortSignal.abort()));
  assert.deepEqual({ text, error }, { text: "", error: undefined });
  assert.equal(logRequests("pre-aborted").length, before);
});

const errorCases: { name: string; setup: () => Promise<unknown>; code: number; kind: string; message: RegExp }[] = [
  { name: "missing pod → 404 notFound", setup: async () => undefined, code: 404, kind: "notFound", message: /pods "missing-pod" not found/ },
  { name: "unscheduled pod → 204 no log yet", setup: () => pod("unscheduled", { scheduled: false }), code: 204, kind: "terminal", message: /no log yet.*not scheduled/ },
  { name: "container not started → 400 with the Status message", setup: () => pod("waiting", { log: false }), code: 400, kind: "invalid",
    message: /HTTP 400: container "main" in pod "waiting" is waiting to start/ },
];

for (const { name, setup, code, kind, message } of errorCases) {
  test(`HTTP errors: ${name}`, async () => {
    await setup();
    const podName = name.startsWith("missing") ? "missing-pod" : name.startsWith("unscheduled") ? "unscheduled" : "waiting";
    const error = await transport.open(request(podName, true), AbortSignal.timeout(5_000)).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof LogTransportError, `got ${String(error)}`);
    assert.equal(error.statusCode, code);
    assert.match(error.message, message);
    assert.equal(classifyKubeError(error).kind, kind);
  });
}

test("a refused connection (partition) is a transient error naming the host", async () => {
  world.sim.faults.partition(60_000);
  try {
    const error = await transport.open(request("plain", false), AbortSignal.timeout(5_000)).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof LogTransportError, `got ${String(error)}`);
    assert.match(error.message, /127\.0\.0\.1/);
    assert.equal(classifyKubeError(error).kind, "transient");
  } finally {
    world.sim.faults.clear();
  }
});

test("a wrong token is 401 unauthorized", async () => {
  const kc = new KubeConfig();
  kc.loadFromString(world.sim.kubeconfigFor("not-a-token"));
  const error = await createHttpLogTransport(kc).open(request("plain", false), AbortSignal.timeout(5_000)).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof LogTransportError);
  assert.equal(error.statusCode, 401);
  assert.equal(classifyKubeError(error).kind, "unauthorized");
});
