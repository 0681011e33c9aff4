// Pod logs of real processes as a node not set up for tests writes them, read through
// client-node: a +08:00 zone in the stamps, stderr stamped behind stdout (out-of-order stamps in
// write order), a clock step back, a line over 16 KiB written as partial entries, and CRLF.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { mainState, podPath, pollUntil, postFault, readLog, startClient, stopClient, startWatch } from "./support/client.ts";
import type { Client } from "./support/client.ts";
import type { LogLine } from "../src/kubelet/log-types.ts";

let client: Client;
const JITTER_MICROS = 2_000_000; // far above real (microseconds) so the inversion is certain under load

before(async () => {
  client = await startClient({ runtime: { nodeClock: { utcOffsetMinutes: 480, streamJitterMicros: JITTER_MICROS } } });
});

after(async () => {
  await stopClient(client);
});

const ZONED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+08:00$/;

/** Runs a pod with `script` until its container has ended. */
async function runToEnd(name: string, script: string): Promise<void> {
  const done = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${name}` },
    (events) => mainState(events.at(-1)?.object)?.terminated !== undefined, `pod ${name} to end`);
  await done.connected;
  await client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] } } });
  await done.result;
}

function truth(pod: string): LogLine[] {
  return client.sim.runtime?.groundTruth.containerLines("default", pod, "main") ?? [];
}

/** `timestamps=true` output as [stamp, text] pairs (a 35-character zoned stamp, then a space). */
function stamped(text: string): { ts: string; text: string }[] {
  return text.split("\n").slice(0, -1).map((line) => ({ ts: line.slice(0, 35), text: line.slice(36) }));
}

const instantMs = (ts: string) => Date.parse(ts);

test("a node in +08:00 writes offsets; sinceTime in another zone selects by instant", { timeout: 20_000 }, async () => {
  await runToEnd("zoned", "for i in 1 2 3 4 5 6 7 8; do echo line-$i; sleep 0.3; done");
  const lines = stamped((await readLog(client.kc, "default", "zoned", "main", { timestamps: true })).text);
  assert.equal(lines.length, 8);
  for (const [i, line] of lines.entries()) {
    assert.match(line.ts, ZONED);
    assert.equal(BigInt(instantMs(line.ts)), (truth("zoned")[i]?.timeNs ?? 0n) / 1_000_000n, "the stamp is the line's instant");
  }
  // The same instant written in UTC-05:00, with a fraction the API server drops.
  const pick = lines[4]?.ts ?? "";
  const second = Math.floor(instantMs(pick) / 1000) * 1000;
  const sinceTime = `${new Date(second - 5 * 3_600_000).toISOString().slice(0, 19)}.750-05:00`;
  const want = truth("zoned").filter((l) => l.timeNs >= BigInt(second) * 1_000_000n).map((l) => `${l.text}\n`).join("");
  const response = await fetch(`${client.sim.url}/api/v1/namespaces/default/pods/zoned/log?sinceTime=${encodeURIComponent(sinceTime)}`,
    { headers: { Authorization: `Bearer ${client.sim.token}` } });
  assert.equal(await response.text(), want);
  assert.ok(want.includes("line-5") && !want.includes("line-1\n"));
});

test("stdout and stderr stamped apart: served in write order, with stamps out of order", { timeout: 20_000 }, async () => {
  await runToEnd("streams", "for i in 1 2 3; do echo out-$i; sleep 0.1; echo err-$i >&2; sleep 0.1; done");
  const served = stamped((await readLog(client.kc, "default", "streams", "main", { timestamps: true })).text);
  assert.deepEqual(served.map((l) => l.text), truth("streams").map((l) => l.text), "the order lines were written in");
  const inversions = served.filter((line, i) => i > 0 && instantMs(line.ts) < instantMs(served[i - 1]?.ts ?? ""));
  assert.ok(inversions.length > 0, `a stderr line right after a stdout line carries an earlier stamp: ${JSON.stringify(served)}`);
  for (const stream of ["out", "err"]) {
    const stamps = served.filter((l) => l.text.startsWith(stream)).map((l) => instantMs(l.ts));
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), `each stream's own stamps are in order (${stream})`);
  }
});

test("a clock step back: later lines carry earlier stamps, and sinceTime skips them", { timeout: 20_000 }, async () => {
  const gate = path.join(tmpdir(), `kube-sim-clock-step-${process.pid}`);
  rmSync(gate, { force: true });
  try {
    const running = runToEnd("stepped", `echo before; while [ ! -e ${gate} ]; do sleep 0.05; done; echo after`);
    await pollUntil(async () => ((await readLog(client.kc, "default", "stepped", "main", {}, 3000)).text === "before\n" ? true : undefined),
      "the line before the step");
    assert.equal((await postFault(client.sim, { fault: "stepNodeClock", args: [-60_000] })).status, 200);
    writeFileSync(gate, "");
    await running;
  } finally {
    rmSync(gate, { force: true });
    client.sim.runtime?.faults.stepNodeClock(60_000);
  }
  const served = stamped((await readLog(client.kc, "default", "stepped", "main", { timestamps: true })).text);
  assert.deepEqual(served.map((l) => l.text), ["before", "after"]);
  const stepMs = instantMs(served[0]?.ts ?? "") - instantMs(served[1]?.ts ?? "");
  assert.ok(stepMs > 50_000 && stepMs <= 60_000, `"after" is stamped about a minute before "before": ${stepMs} ms`);
  const sinceTime = new Date(Math.floor(instantMs(served[0]?.ts ?? "") / 1000) * 1000).toISOString();
  assert.equal((await readLog(client.kc, "default", "stepped", "main", { sinceTime })).text, "before\n",
    "the later line stamped before sinceTime is not served");
});

test("a 40000-byte line: three partial entries, served joined with the first entry's stamp", { timeout: 20_000 }, async () => {
  await runToEnd("long", "head -c 40000 /dev/zero | tr '\\0' x; echo; echo next");
  const [line] = truth("long");
  assert.deepEqual(line?.fragments?.map((f) => f.text.length), [16384, 16384, 7232], "split at containerd's 16 KiB");
  const served = stamped((await readLog(client.kc, "default", "long", "main", { timestamps: true })).text);
  assert.deepEqual(served.map((l) => l.text.length), [40000, 4]);
  assert.equal(served[0]?.ts, line?.fragments?.[0]?.timestamp);
  const tail = stamped((await readLog(client.kc, "default", "long", "main", { timestamps: true, tailLines: 2 })).text);
  assert.deepEqual(tail.map((l) => [l.ts, l.text.length]), [[line?.fragments?.[2]?.timestamp, 7232], [served[1]?.ts, 4]],
    "tailLines counts the log file's entries: the last fragment comes with its own stamp");
});

test("CRLF: the runtime strips the CR of a CRLF line ending", { timeout: 20_000 }, async () => {
  await runToEnd("dos", "printf 'dos\\r\\nmid\\rdle\\r\\n'");
  assert.equal((await readLog(client.kc, "default", "dos", "main", {})).text, "dos\nmid\rdle\n");
});
