// The follower against kube-sim serving scripted logs whose stamps real nodes write: in a zone
// offset (nodes not on UTC), out of order within one connection (stdout and stderr stamped apart,
// a clock stepped back), and rotated away under a reconnect (L10), which must be a gap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { follow, kinds, logPaths, useScriptedWorld } from "./run-logs-support.ts";
import type { ScriptedLog } from "./run-logs-support.ts";

const { pods, world } = useScriptedWorld();

// 2026-01-01T00:00:10Z in ns; MS = one millisecond, US = one microsecond.
const T = BigInt(Date.parse("2026-01-01T00:00:10Z")) * 1_000_000n;
const MS = 1_000_000n;
const US = 1_000n;
const numbered = (count: number, prefix = "line") => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

test("zone offset stamps (+08:00) are delivered, and a reconnect resumes from the instant in UTC", { timeout: 20_000 }, async () => {
  const log = await pods.create(world, "zoned");
  for (let i = 1; i <= 10; i++) log.write(`line-${i}`, T + 100n * MS + BigInt(i) * MS, "+08:00");
  const followed = await follow(world, "zoned", {
    containerTerminated: async () => log.ended,
    onLine: (text) => {
      if (text === "line-5") world.sim.faults.cutLogStreams();
      if (text !== "line-10") return;
      world.sim.faults.cutLogStreams();
      for (let i = 11; i <= 15; i++) log.write(`line-${i}`, T + 1_200n * MS + BigInt(i) * MS, "+08:00");
      log.end();
    },
  });
  assert.deepEqual(followed.lines, numbered(15));
  assert.equal(followed.result.gaps, 0);
  assert.equal(followed.result.cursor.lastTimestamp, "2026-01-01T08:00:11.215000000+08:00", "stamps as the node wrote them");
  const resumes = logPaths(world, "zoned").slice(1).map((p) => new URL(p, "http://x").searchParams.get("sinceTime"));
  // line-10 (08:00:10.11+08:00) is 00:00:10.11Z: a reconnect (if the cut came before line-10
  // arrived) resumes from 00:00:09Z and the final read reaches back the 10 s window, in UTC:
  // 00:00:00Z, never a cut string (08:00:xx).
  assert.equal(resumes.at(-1), "2026-01-01T00:00:00Z", resumes.join(", "));
  assert.ok(resumes.slice(0, -1).every((since) => since === "2026-01-01T00:00:09Z"), resumes.join(", "));
});

test("within one connection, lines stamped earlier than the one before are delivered (jitter, a clock step)", { timeout: 20_000 }, async () => {
  const log = await pods.create(world, "jitter");
  // stdout/stderr microseconds apart and out of order, then the clock steps back 400 ms.
  const stamps = [T + 500n * MS, T + 500n * MS - 3n * US, T + 500n * MS + 2n * US, T + 501n * MS, T + 101n * MS, T + 102n * MS, T + 600n * MS];
  stamps.forEach((at, i) => log.write(`line-${i + 1}`, at));
  log.end();
  const followed = await follow(world, "jitter", { containerTerminated: async () => true });
  assert.deepEqual(followed.lines, numbered(stamps.length));
  assert.equal(followed.result.gaps, 0);
  // The final read after the stream ended replays them all, and drops exactly them.
  assert.equal(followed.result.replayedLines, stamps.length);
});

test("out-of-order stamps across cuts: every line once, in write order", { timeout: 20_000 }, async () => {
  const log = await pods.create(world, "jitter-cuts");
  // Stamps run back and forth across a second boundary (10.999 / 11.001) and repeat.
  const pattern = [999n, 1_001n, 998n, 1_001n, 1_001n, 1_002n, 997n, 1_300n];
  const write = (from: number, to: number) => {
    for (let i = from; i <= to; i++) log.write(`line-${i}`, T + (pattern[(i - 1) % pattern.length] ?? 0n) * MS + BigInt(i) * US);
  };
  write(1, 8);
  const followed = await follow(world, "jitter-cuts", {
    containerTerminated: async () => log.ended,
    // Each time the last written line arrives: cut, then write four more (or end), so every
    // reconnect replays lines whose stamps are out of order.
    onLine: (text) => {
      const written = log.written.length;
      if (text !== `line-${written}`) return;
      world.sim.faults.cutLogStreams();
      if (written < 24) write(written + 1, written + 4);
      else log.end();
    },
  });
  assert.deepEqual(followed.lines, numbered(log.written.length));
  assert.ok(followed.result.reconnects >= 4, `reconnects: ${followed.result.reconnects}`);
  assert.ok(followed.result.replayedLines > 0);
  assert.equal(followed.result.gaps, 0);
});

/** After `last` arrives: cuts the stream and calls `then` (before the follower reconnects). */
function cutAfterLine(last: string, then: () => void): (text: string) => void {
  return (text) => {
    if (text !== last) return;
    world.sim.faults.cutLogStreams();
    then();
  };
}

test("L10: the replay rotated away and the log ended: the completed final read reports a gap", { timeout: 20_000 }, async () => {
  const log = await pods.create(world, "rotated-end");
  for (let i = 1; i <= 3; i++) log.write(`line-${i}`, T + BigInt(i) * MS);
  const followed = await follow(world, "rotated-end", {
    containerTerminated: async () => log.ended,
    onLine: cutAfterLine("line-3", () => {
      log.write("line-4", T + 4n * MS);
      log.rotate(4);
      log.end();
    }),
  });
  assert.deepEqual(followed.lines, numbered(3));
  assert.equal(followed.result.gaps, 1);
  assert.equal(followed.result.unreplayedLines, 3);
  assert.equal(followed.result.drained, true);
  assert.match(kinds(followed.diagnostics, "gap")[0]?.detail ?? "", /3 line\(s\) up to 2026-01-01T00:00:10\.003000000Z were not replayed and the log ended/);
});

test("L10: rotation splits a group of equal stamps: the surviving new lines are delivered, and a gap reported", { timeout: 20_000 }, async () => {
  const log: ScriptedLog = await pods.create(world, "split-group");
  const X = T + 700n * MS;
  for (let i = 1; i <= 3; i++) log.write(`line-${i}`, X);
  const followed = await follow(world, "split-group", {
    containerTerminated: async () => log.ended,
    onLine: cutAfterLine("line-3", () => {
      for (let i = 4; i <= 6; i++) log.write(`line-${i}`, X);
      log.rotate(4); // line-1..4 gone: the reconnect's replay of the group at X holds line-5 and line-6 only
      log.end();
    }),
  });
  assert.deepEqual(followed.lines, ["line-1", "line-2", "line-3", "line-5", "line-6"]);
  assert.equal(followed.result.gaps, 1, "the rotation is reported");
  assert.match(kinds(followed.diagnostics, "gap")[0]?.detail ?? "", /3 line\(s\) up to 2026-01-01T00:00:10\.700000000Z were not replayed/);
});
