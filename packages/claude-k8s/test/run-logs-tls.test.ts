// The log transport's TLS: over HTTPS it trusts exactly the kubeconfig's CA and sends the bearer
// token; a server whose certificate that CA did not sign is refused with an error naming TLS (never
// retried as a network blip); plain HTTP (kubectl proxy, `tls: false`) still works.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeconfigText, startKubeSim } from "kube-sim";
import type { KubeSim, LogSource } from "kube-sim";
import { classifyKubeError } from "../src/kube/errors.ts";
import { createHttpLogTransport, LogTransportError } from "../src/run/log-transport.ts";
import type { LogRequest } from "../src/run/log-transport.ts";
import { ScriptedLog, startWorld } from "./run-logs-support.ts";
import type { World } from "./run-logs-support.ts";

const T = BigInt(Date.parse("2024-01-01T00:00:10Z")) * 1_000_000n;
const log = new ScriptedLog();
const source: LogSource = { containerLog: (ns, pod, container) => (`${ns}/${pod}/${container}` === "default/p/main" ? log : undefined) };
const request: LogRequest = { namespace: "default", pod: "p", container: "main", follow: false, sinceTime: null };
let world: World;
let other: KubeSim;

async function createPod(target: World): Promise<void> {
  await target.core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "p" },
    spec: { nodeName: "sim-node-1", containers: [{ name: "main", image: "busybox" }] } } });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of body) text += Buffer.from(chunk).toString("utf8");
  return text;
}

before(async () => {
  log.write("hello", T + 1n);
  world = await startWorld({ runtime: false, logSource: source });
  await createPod(world);
  other = await startKubeSim({ runtime: false });
});

after(async () => {
  await world.sim.stop();
  await other.stop();
});

test("over HTTPS the transport verifies the server with the kubeconfig's CA and sends the bearer token", async () => {
  const cluster = world.kubeConfig.getCurrentCluster();
  assert.match(cluster?.server ?? "", /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(cluster?.skipTLSVerify, false);
  assert.ok(cluster?.caData, "the CA comes from the kubeconfig");
  const text = await readAll(await createHttpLogTransport(world.kubeConfig).open(request, AbortSignal.timeout(5_000)));
  assert.equal(text, "2024-01-01T00:00:10.000000001Z hello\n");
  const seen = world.sim.requests.find({ resource: "pods", subresource: "log" });
  assert.deepEqual(seen.map((r) => [r.user, r.code]), [["kube-sim-admin", 200]], "authenticated by the token, not anonymous");
});

test("a server whose certificate the kubeconfig's CA did not sign is refused with a terminal TLS error", async () => {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText(world.sim.url, world.sim.token, "admin", other.caPem));
  const before = world.sim.requests.count({ resource: "pods", subresource: "log" });
  const error = await createHttpLogTransport(kc).open(request, AbortSignal.timeout(5_000)).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof LogTransportError, `got ${String(error)}`);
  assert.match(error.message, /TLS verification/);
  assert.match(error.message, /certificate-authority/);
  assert.equal(classifyKubeError(error).kind, "terminal", "a wrong CA does not fix itself: no retry loop");
  assert.equal(world.sim.requests.count({ resource: "pods", subresource: "log" }), before, "no request reached the server");
});

test("plain HTTP (tls: false) still works, with the token", async () => {
  const plain = await startWorld({ runtime: false, logSource: source, tls: false });
  try {
    assert.match(plain.kubeConfig.getCurrentCluster()?.server ?? "", /^http:\/\//);
    await createPod(plain);
    const text = await readAll(await createHttpLogTransport(plain.kubeConfig).open(request, AbortSignal.timeout(5_000)));
    assert.equal(text, "2024-01-01T00:00:10.000000001Z hello\n");
    assert.equal(plain.sim.requests.find({ resource: "pods", subresource: "log" })[0]?.user, "kube-sim-admin");
  } finally {
    await plain.sim.stop();
  }
});
