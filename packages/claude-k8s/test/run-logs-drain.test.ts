// The drain after the container exited, against kube-sim serving scripted logs: a log endpoint
// failing with 5xx across the exit (the final reads outlast it, the last attempt a real one),
// final reads cut again and again (backoff reset by progress), a slow consumer (its time is not
// the drain's), and an outage longer than the cap (a gap, reported).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHttpLogTransport, LogTransportError } from "../src/run/log-transport.ts";
import type { LogTransport } from "../src/run/log-transport.ts";
import { follow, kinds, useScriptedWorld } from "./run-logs-support.ts";

const { pods, world } = useScriptedWorld();

const T = BigInt(Date.parse("2026-01-01T00:00:10Z")) * 1_000_000n;
const MS = 1_000_000n;
const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line-${i + 1}`);

test("5xx on the log endpoint across the exit: the drain keeps trying and its last attempt is real", { timeout: 30_000 }, async () => {
  const log = await pods.create(world, "outage");
  for (let i = 1; i <= 10; i++) log.write(`line-${i}`, T + BigInt(i) * MS);
  const started = Date.now();
  let outageFrom = 0;
  const followed = await follow(world, "outage", {
    containerTerminated: async () => log.ended,
    // Attempts at about 0, 0.5, 1.5 and 3.5 s into the drain; the next backoff (4 s) would pass
    // drainMaxMs, so the last attempt starts at 6 s, 1.3 s after the API recovered.
    backoff: { initialMs: 500, maxMs: 10_000 }, drainTimeoutMs: 6_000, drainMaxMs: 6_000,
    onLine: (text) => {
      if (text !== "line-10") return;
      outageFrom = Date.now();
      world.sim.faults.failRequests({ path: "/pods/outage/log", code: 503, durationMs: 4_700 });
      world.sim.faults.cutLogStreams();
      for (let i = 11; i <= 40; i++) log.write(`line-${i}`, T + BigInt(i) * MS);
      log.end();
    },
  }, 25_000);
  assert.deepEqual(followed.lines, numbered(40));
  assert.equal(followed.result.drained, true);
  assert.equal(followed.result.gaps, 0);
  assert.ok(followed.result.finalReads >= 5, `final reads: ${followed.result.finalReads}`);
  const failures = kinds(followed.diagnostics, "error").filter((d) => /503|unable to handle/.test(d.detail));
  assert.ok(failures.length >= 4, `the outage was seen: ${failures.length}`);
  // The success came after the outage, not by luck before it ended.
  assert.ok(Date.now() - outageFrom >= 4_700, `done ${Date.now() - outageFrom} ms after the outage began`);
  assert.ok(Date.now() - started < 20_000);
});

test("an outage longer than drainMaxMs: the drain gives up, says so, and the result says the log is incomplete", { timeout: 20_000 }, async () => {
  const log = await pods.create(world, "long-outage");
  for (let i = 1; i <= 5; i++) log.write(`line-${i}`, T + BigInt(i) * MS);
  try {
    const followed = await follow(world, "long-outage", {
      containerTerminated: async () => log.ended,
      backoff: { initialMs: 50, maxMs: 200 }, drainTimeoutMs: 500, drainMaxMs: 800,
      onLine: (text) => {
        if (text !== "line-5") return;
        world.sim.faults.failRequests({ path: "/pods/long-outage/log", code: 500, durationMs: 60_000 });
        world.sim.faults.cutLogStreams();
        log.write("line-6", T + 6n * MS);
        log.end();
      },
    });
    assert.deepEqual(followed.lines, numbered(5));
    assert.equal(followed.result.end, "terminated");
    assert.equal(followed.result.drained, false);
    assert.equal(followed.result.gaps, 1);
    assert.match(kinds(followed.diagnostics, "gap")[0]?.detail ?? "", /gave up the final read .* drainMaxMs=800\): .*500.*lines after 2026-01-01T00:00:10\.005000000Z may be missing/);
  } finally {
    world.sim.faults.clear();
  }
});

/** Cuts the n-th connection after `cutAt(n)` bytes (none when it returns Infinity). */
function cutting(inner: LogTransport, cutAt: (connection: number) => number): LogTransport {
  let connection = 0;
  return {
    async open(request, signal) {
      const limit = cutAt(connection++);
      const body = await inner.open(request, signal);
      return (async function* cut() {
        let passed = 0;
        for await (const chunk of body) {
          if (passed + chunk.length > limit) {
            yield chunk.subarray(0, limit - passed);
            throw new LogTransportError("scripted drop", { code: "ECONNRESET" });
          }
          passed += chunk.length;
          yield chunk;
        }
      })();
    },
  };
}

test("final reads cut again and again, each with progress: no backoff piles up, every line arrives", { timeout: 20_000 }, async () => {
  const log = await pods.create(world, "recut");
  // 300 lines 100 ms apart: a replay (from a second before the last line's) is about 20 lines.
  for (let i = 1; i <= 300; i++) log.write(`line-${i}`, T + BigInt(i) * 100n * MS);
  log.end();
  // Every connection is cut after 2000 bytes (about 55 lines): the first is the follow, the rest final reads.
  const transport = cutting(createHttpLogTransport(world.kubeConfig), () => 2_000);
  const followed = await follow(world, "recut", {
    transport, containerTerminated: async () => true,
    // Without a reset, these delays (250, 500, 1000, 2000, ...) would pass drainMaxMs within five cuts.
    backoff: { initialMs: 250, maxMs: 5_000 }, drainTimeoutMs: 3_000, drainMaxMs: 3_000,
  });
  assert.deepEqual(followed.lines, numbered(300));
  assert.equal(followed.result.drained, true);
  assert.ok(followed.result.finalReads >= 6, `final reads: ${followed.result.finalReads}`);
  assert.ok(followed.result.replayedLines > 0);
  assert.ok(followed.ms < 3_000 + 1_000 * followed.result.finalReads, `took ${followed.ms} ms`);
});

test("a slow consumer does not eat the drain's budget: 50,000 lines after a cut at exit all arrive", { timeout: 60_000 }, async () => {
  const log = await pods.create(world, "slow-consumer");
  const count = 50_000;
  for (let i = 1; i <= count; i++) log.write(`line-${i}`, T + BigInt(i) * 50_000n);
  log.end();
  // The follow is cut after its first 1000 bytes (about 25 lines): the final read has the rest.
  const transport = cutting(createHttpLogTransport(world.kubeConfig), (connection) => (connection === 0 ? 1_000 : Infinity));
  let handled = 0;
  const followed = await follow(world, "slow-consumer", {
    transport, containerTerminated: async () => true,
    // 2 s of silence is what the drain tolerates; a loaded machine can take a while to send the first bytes.
    drainTimeoutMs: 2_000, drainMaxMs: 2_000,
    onLine: async () => {
      // About 1 ms per 10 lines: the consumer takes 5 s or more, well beyond the drain's 2 s.
      if (++handled % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    },
  }, 55_000);
  assert.equal(followed.lines.length, count);
  assert.deepEqual(followed.lines.slice(-2), [`line-${count - 1}`, `line-${count}`]);
  assert.equal(followed.result.gaps, 0);
  assert.equal(kinds(followed.diagnostics, "gap").length, 0);
  assert.equal(followed.result.drained, true);
  assert.equal(followed.result.finalReads, 1, "one final read, however long the consumer took");
  assert.ok(followed.ms > 2_000, `the consumer really was slower than the drain budget (${followed.ms} ms)`);
});
