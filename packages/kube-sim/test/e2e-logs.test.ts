// Pod logs of real processes through client-node's Log over HTTP: follow (every line once, ends
// with the container), timestamps against ground truth, sinceTime truncated to the second and a
// cursor-based resume, tailLines, limitBytes, and the cut and hang faults as the client sees them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { Log } from "@kubernetes/client-node";
import { eventually, podPath, pollUntil, postFault, readLog, startClient, stopClient, startWatch, TextSink } from "./support/client.ts";
import type { Client } from "./support/client.ts";
import type { LogLine } from "../src/kubelet/log-types.ts";

let client: Client;

before(async () => {
  client = await startClient();
});

after(async () => {
  await stopClient(client);
});

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

/** Creates a pod running `script` and resolves once the client sees its container running. */
async function runPod(name: string, script: string): Promise<void> {
  const running = startWatch<V1Pod>(client.kc, podPath(), { fieldSelector: `metadata.name=${name}` },
    (events) => events.at(-1)?.object.status?.containerStatuses?.[0]?.state?.running !== undefined
      || events.at(-1)?.object.status?.containerStatuses?.[0]?.state?.terminated !== undefined, `pod ${name} to run`);
  await running.connected;
  await client.core.createNamespacedPod({ namespace: "default", body: { metadata: { name },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] } } });
  await running.result;
}

function truth(pod: string): LogLine[] {
  return client.sim.runtime?.groundTruth.containerLines("default", pod, "main") ?? [];
}

/** Splits `timestamps=true` output into [timestamp, text] pairs, checking the fixed width. */
function stamped(text: string): { ts: string; text: string }[] {
  assert.ok(text === "" || text.endsWith("\n"), "whole lines");
  return text.split("\n").slice(0, -1).map((line) => {
    assert.equal(line[30], " ", `a 30-character timestamp then a space: ${JSON.stringify(line)}`);
    const ts = line.slice(0, 30);
    assert.match(ts, RFC3339_NANO);
    return { ts, text: line.slice(31) };
  });
}

// About 20 lines a second for about 1.5 s: every second holds many lines.
const COUNTING = "seq 1 30 | while read i; do echo line-$i; sleep 0.04; done";

test("follow delivers every line exactly once and ends when the container exits", { timeout: 15_000 }, async () => {
  await runPod("follow", COUNTING);
  const log = await readLog(client.kc, "default", "follow", "main", { follow: true }, 8000);
  assert.equal(log.ended, true, "the follow stream ended with the container");
  const expected = Array.from({ length: 30 }, (_, i) => `line-${i + 1}\n`).join("");
  assert.equal(log.text, expected);
  assert.equal(truth("follow").map((l) => `${l.text}\n`).join(""), expected, "ground truth agrees");
});

test("timestamps: fixed-width RFC3339Nano prefixes equal to ground truth", { timeout: 15_000 }, async () => {
  const lines = stamped((await readLog(client.kc, "default", "follow", "main", { timestamps: true })).text);
  assert.deepEqual(lines, truth("follow").map((l) => ({ ts: l.timestamp, text: l.text })));
});

test("sinceTime is truncated to the second, and a cursor resume yields exactly the remaining lines", { timeout: 15_000 }, async () => {
  const all = truth("follow");
  // The cursor: a line with an earlier line in the same second, so truncation is visible.
  const cursor = all.findIndex((l, i) => i >= 10 && all[i - 1]?.timestamp.slice(0, 19) === l.timestamp.slice(0, 19));
  assert.ok(cursor > 0, "some second holds two lines");
  const seen = all.slice(0, cursor + 1);
  const lastTs = seen.at(-1)?.timestamp ?? "";
  const sinceTime = `${lastTs.slice(0, 19)}Z`;
  const answer = stamped((await readLog(client.kc, "default", "follow", "main", { timestamps: true, sinceTime })).text);
  const wholeSecond = all.filter((l) => l.timestamp.slice(0, 19) >= lastTs.slice(0, 19));
  assert.deepEqual(answer.map((l) => l.ts), wholeSecond.map((l) => l.timestamp), "lines from the whole second of sinceTime");
  assert.ok(answer[0] && answer[0].ts < lastTs, "the answer repeats lines the client already had");
  const sameTs = seen.filter((l) => l.timestamp === lastTs).length;
  let skipEqual = sameTs;
  const resumed = answer.filter((l) => {
    if (l.ts < lastTs) return false;
    if (l.ts === lastTs && skipEqual > 0) { skipEqual--; return false; }
    return true;
  });
  assert.deepEqual(resumed.map((l) => l.text), all.slice(cursor + 1).map((l) => l.text), "exactly the remaining lines");
});

test("tailLines gives the last N lines; limitBytes cuts at the byte", { timeout: 15_000 }, async () => {
  assert.equal((await readLog(client.kc, "default", "follow", "main", { tailLines: 3 })).text, "line-28\nline-29\nline-30\n");
  assert.equal((await readLog(client.kc, "default", "follow", "main", { limitBytes: 10 })).text, "line-1\nlin");
});

/** Opens a follow stream on a pod that ticks every 100 ms and waits for its first line. */
async function followTicker(name: string): Promise<{ sink: TextSink; abort: AbortController }> {
  await runPod(name, "seq 1 300 | while read i; do echo tick-$i; sleep 0.1; done");
  const sink = new TextSink();
  const abort = await new Log(client.kc).log("default", name, "main", sink, { follow: true });
  assert.ok(await eventually(() => sink.text.includes("\n"), 3000), "the first line arrives");
  return { sink, abort };
}

test("cutLogStreams mid-follow: the client's writable gets neither end nor error, and no more data", { timeout: 15_000 }, async () => {
  const { sink, abort } = await followTicker("cut");
  try {
    assert.equal(client.sim.faults.cutLogStreams(), 1);
    const textAtCut = sink.text;
    const linesAtCut = truth("cut").length;
    // The container keeps writing; wait until ground truth is several lines ahead.
    assert.ok(await eventually(() => truth("cut").length >= linesAtCut + 5, 3000), "the container keeps writing");
    assert.equal(sink.ended, false, "client-node 1.x does not end the writable on a reset");
    assert.equal(sink.error, undefined, "client-node 1.x does not error the writable on a reset");
    assert.ok(sink.text.length - textAtCut.length <= 16, "nothing (beyond what was in flight) arrives after the cut");
    assert.equal(client.sim.faults.openLogStreams(), 0, "the server side is closed");
  } finally {
    abort.abort();
    await client.core.deleteNamespacedPod({ name: "cut", namespace: "default", gracePeriodSeconds: 0 });
  }
});

test("hangLogStreams: the stream stays open and silent, then resumes with every line", { timeout: 15_000 }, async () => {
  const { sink, abort } = await followTicker("hang");
  try {
    client.sim.faults.hangLogStreams(800);
    const before = sink.text.length;
    const truthAtHang = truth("hang").length;
    assert.ok(await eventually(() => truth("hang").length >= truthAtHang + 4, 2000), "the container writes during the hang");
    assert.ok(sink.text.length - before <= 16, "silent while hung");
    assert.equal(sink.ended, false, "open while hung");
    assert.equal(client.sim.faults.openLogStreams(), 1);
    const expectedAfter = truth("hang").length + 2;
    await pollUntil(async () => (sink.text.split("\n").length - 1 >= expectedAfter ? true : undefined), "the stream to resume", 3000);
    const received = sink.text.split("\n").slice(0, -1);
    assert.deepEqual(received, truth("hang").slice(0, received.length).map((l) => l.text), "every line once, in order");
  } finally {
    abort.abort();
    await client.core.deleteNamespacedPod({ name: "hang", namespace: "default", gracePeriodSeconds: 0 });
  }
});

test("rotateLogs: rotated lines are gone from the API but kept in ground truth", { timeout: 15_000 }, async () => {
  await runPod("rotated", "seq 1 10 | while read i; do echo r-$i; done");
  await pollUntil(async () => ((await readLog(client.kc, "default", "rotated", "main", {})).text.includes("r-10\n") ? true : undefined),
    "all ten lines");
  const answer = await postFault(client.sim, { fault: "rotateLogs", args: ["default", "rotated", "main", 4] });
  assert.deepEqual(answer, { status: 200, body: { ok: true, result: 4 } });
  const served = (await readLog(client.kc, "default", "rotated", "main", {})).text;
  assert.equal(served, Array.from({ length: 6 }, (_, i) => `r-${i + 5}\n`).join(""));
  assert.equal(truth("rotated").length, 10, "ground truth keeps every line written");
  const record = client.sim.runtime?.groundTruth.allContainerLines().find((c) => c.pod === "rotated");
  assert.equal(record?.rotatedAway, 4);
});
