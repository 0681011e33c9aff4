// The pod log endpoint against a scripted LogSource, through client-node's Log and raw fetch.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { ApiException, CoreV1Api, KubeConfig, Log } from "@kubernetes/client-node";
import { startKubeSim } from "../src/sim.ts";
import { trustCa } from "./support/trust.ts";
import type { KubeSim } from "../src/sim.ts";
import type { ContainerLog, LogLine, LogSource } from "../src/kubelet/log-types.ts";
import { formatRfc3339Nano } from "../src/kubelet/clock.ts";

/** A container log the test writes to by hand. */
class ScriptedLog implements ContainerLog {
  private readonly written: LogLine[] = [];
  private readonly followers = new Set<{ onLine: (l: LogLine) => void; onEnd: () => void }>();
  ended = false;

  lines(): readonly LogLine[] {
    return [...this.written];
  }

  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void {
    const follower = { onLine, onEnd };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  write(text: string, timeNs: bigint, extra: Partial<LogLine> = {}): void {
    const line: LogLine = { timeNs, timestamp: rfc3339Nano(timeNs), stream: "stdout", text, ...extra };
    this.written.push(line);
    for (const f of this.followers) f.onLine(line);
  }

  end(): void {
    this.ended = true;
    for (const f of [...this.followers]) f.onEnd();
  }
}

function rfc3339Nano(ns: bigint): string {
  const seconds = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${(ns % 1_000_000_000n).toString().padStart(9, "0")}Z`;
}

// 2024-01-01T00:00:10Z in ns.
const T = BigInt(Date.parse("2024-01-01T00:00:10Z")) * 1_000_000n;
const logs = new Map<string, ScriptedLog>();
const source: LogSource = { containerLog: (ns, pod, container) => logs.get(`${ns}/${pod}/${container}`) };

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;

async function pod(name: string, containers: string[], nodeName?: string): Promise<void> {
  await core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((c) => ({ name: c, image: "busybox" })) } } });
}

before(async () => {
  sim = await startKubeSim({ runtime: false, logSource: source });
  trustCa(sim.caPem);
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  await pod("p", ["main"], "node-1");
  const log = new ScriptedLog();
  log.write("before", T - 500_000_000n);
  log.write("first", T + 200_000_000n);
  log.write("second", T + 800_000_123n);
  log.write("third ünïcode", T + 1_500_000_000n);
  log.end();
  logs.set("default/p/main", log);
  await pod("long", ["main"], "node-1");
  const long = new ScriptedLog();
  // A long line the runtime wrote as three partial entries, stamped 1 s apart, in a +08:00 zone.
  const zoned = (ns: bigint) => ({ timeNs: ns, timestamp: formatRfc3339Nano(ns, 480) });
  long.write("short", T, zoned(T));
  long.write("AAABBBCC", T + 1_000_000_000n, { ...zoned(T + 1_000_000_000n), fragments: [
    { ...zoned(T + 1_000_000_000n), text: "AAA" }, { ...zoned(T + 2_000_000_000n), text: "BBB" }, { ...zoned(T + 3_000_000_000n), text: "CC" }] });
  long.write("after", T + 4_000_000_000n, zoned(T + 4_000_000_000n));
  long.end();
  logs.set("default/long/main", long);
  await pod("two", ["a", "b"], "node-1");
  await pod("unscheduled", ["main"]);
  await pod("waiting", ["main"], "node-1");
});

after(async () => {
  await sim.stop();
});

async function raw(pathAndQuery: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${sim.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${sim.token}` } });
  return { status: response.status, text: await response.text() };
}

const cases: { name: string; query: string; want: string }[] = [
  { name: "everything", query: "", want: "before\nfirst\nsecond\nthird ünïcode\n" },
  { name: "timestamps (fixed-width RFC3339Nano)", query: "timestamps=true&tailLines=2",
    want: "2024-01-01T00:00:10.800000123Z second\n2024-01-01T00:00:11.500000000Z third ünïcode\n" },
  { name: "sinceTime is truncated to whole seconds", query: "sinceTime=2024-01-01T00:00:10.900000000Z", want: "first\nsecond\nthird ünïcode\n" },
  { name: "sinceTime at a later second", query: "sinceTime=2024-01-01T00:00:11Z", want: "third ünïcode\n" },
  { name: "tailLines", query: "tailLines=1", want: "third ünïcode\n" },
  { name: "sinceSeconds leaves out older lines", query: "sinceSeconds=5", want: "" },
  { name: "tailLines=0", query: "tailLines=0", want: "" },
  { name: "limitBytes cuts mid-line", query: "limitBytes=9", want: "before\nfi" },
  { name: "explicit container", query: "container=main&tailLines=1", want: "third ünïcode\n" },
];

for (const { name, query, want } of cases) {
  test(`log: ${name}`, async () => {
    const answer = await raw(`/api/v1/namespaces/default/pods/p/log?${query}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.text, want);
  });
}

const longCases: { name: string; query: string; want: string }[] = [
  { name: "fragments served joined, with the first fragment's stamp, as the node wrote it (+08:00)", query: "timestamps=true",
    want: "2024-01-01T08:00:10.000000000+08:00 short\n2024-01-01T08:00:11.000000000+08:00 AAABBBCC\n"
      + "2024-01-01T08:00:14.000000000+08:00 after\n" },
  { name: "sinceTime compares instants: 00:00:12Z is 08:00:12+08:00, inside the long line", query: "timestamps=true&sinceTime=2024-01-01T00:00:12Z",
    want: "BBBCC\n2024-01-01T08:00:14.000000000+08:00 after\n" },
  { name: "sinceTime in a third zone, truncated to its second", query: `timestamps=true&sinceTime=${encodeURIComponent("2023-12-31T19:00:13.700-05:00")}`,
    want: "CC\n2024-01-01T08:00:14.000000000+08:00 after\n" },
  { name: "tailLines counts the file's entries: the last fragment, stamped as a line", query: "timestamps=true&tailLines=2",
    want: "2024-01-01T08:00:13.000000000+08:00 CC\n2024-01-01T08:00:14.000000000+08:00 after\n" },
  { name: "without timestamps the line is whole", query: "", want: "short\nAAABBBCC\nafter\n" },
];

for (const { name, query, want } of longCases) {
  test(`log of a long line: ${name}`, async () => {
    const answer = await raw(`/api/v1/namespaces/default/pods/long/log?${query}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.text, want);
  });
}

const errors: { name: string; path: string; code: number; message?: RegExp }[] = [
  { name: "missing pod", path: "/api/v1/namespaces/default/pods/ghost/log", code: 404, message: /^pods "ghost" not found$/ },
  { name: "several containers, none named", path: "/api/v1/namespaces/default/pods/two/log", code: 400,
    message: /^a container name must be specified for pod two, choose one of: \[a b\]$/ },
  { name: "unknown container", path: "/api/v1/namespaces/default/pods/p/log?container=nope", code: 400, message: /nope/ },
  { name: "container not started", path: "/api/v1/namespaces/default/pods/waiting/log", code: 400,
    message: /^container "main" in pod "waiting" is waiting to start: ContainerCreating$/ },
  { name: "both since*", path: "/api/v1/namespaces/default/pods/p/log?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z", code: 422 },
  { name: "bad sinceTime", path: "/api/v1/namespaces/default/pods/p/log?sinceTime=yesterday", code: 400 },
];

for (const { name, path, code, message } of errors) {
  test(`log error: ${name} → ${code}`, async () => {
    const answer = await raw(path);
    assert.equal(answer.status, code);
    const status = JSON.parse(answer.text) as { kind: string; code: number; message: string };
    assert.equal(status.kind, "Status");
    assert.equal(status.code, code);
    if (message) assert.match(status.message, message);
  });
}

test("log: an unscheduled pod answers 204 with an empty body", async () => {
  const answer = await raw("/api/v1/namespaces/default/pods/unscheduled/log");
  assert.equal(answer.status, 204);
  assert.equal(answer.text, "");
});

test("log: client-node readNamespacedPodLog and a non-200 ApiException", async () => {
  assert.equal(await core.readNamespacedPodLog({ name: "p", namespace: "default", tailLines: 1 }), "third ünïcode\n");
  await assert.rejects(new Log(kc).log("default", "ghost", "main", new PassThrough()), (e: unknown) => e instanceof ApiException && e.code === 404);
});

test("log: follow streams live lines and ends when the container ends", async () => {
  await pod("live", ["main"], "node-1");
  const log = new ScriptedLog();
  log.write("old", T);
  logs.set("default/live/main", log);
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => { text += chunk.toString("utf8"); });
  const ended = new Promise<void>((resolve) => out.on("finish", () => resolve()));
  await new Log(kc).log("default", "live", "main", out, { follow: true, timestamps: true });
  log.write("new-1", T + 1n);
  log.write("new-2", T + 2n);
  log.end();
  await ended;
  assert.equal(text, `${rfc3339Nano(T)} old\n${rfc3339Nano(T + 1n)} new-1\n${rfc3339Nano(T + 2n)} new-2\n`);
  assert.equal(sim.faults.openLogStreams(), 0);
});
