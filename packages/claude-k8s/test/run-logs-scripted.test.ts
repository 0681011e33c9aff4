// The follower against kube-sim serving a scripted log (the test picks every timestamp, so lines
// can share one): exact resume across cuts inside a group of equal timestamps (L2) with the
// sinceTime sent on each reconnect checked, UTF-8 split at odd byte counts and a 500 KB line cut
// mid-way (L6, L7), and a gap when the boundary lines are rotated away (L10).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHttpLogTransport, LogTransportError } from "../src/run/log-transport.ts";
import type { LogTransport } from "../src/run/log-transport.ts";
import { follow, kinds, logPaths, ScriptedLog, useScriptedWorld } from "./run-logs-support.ts";

const { pods, world } = useScriptedWorld();

// 2024-01-01T00:00:10Z in ns.
const T = BigInt(Date.parse("2024-01-01T00:00:10Z")) * 1_000_000n;
const MS = 1_000_000n;

function scriptedPod(name: string): Promise<ScriptedLog> {
  return pods.create(world, name);
}

test("L2: cuts inside a group of equal timestamps: no repeat, no loss; resumes a second before the floored second", { timeout: 20_000 }, async () => {
  const log = await scriptedPod("same");
  for (let i = 1; i <= 10; i++) log.write(`line-${i}`, T + BigInt(i) * MS);
  const X = T + 500n * MS; // one instant shared by lines 11..20, across both cuts
  for (let i = 11; i <= 15; i++) log.write(`line-${i}`, X);
  const followed = await follow(world, "same", {
    containerTerminated: async () => log.ended,
    onLine: (text) => {
      if (text === "line-13") world.sim.faults.cutLogStreams();
      if (text === "line-15") {
        world.sim.faults.cutLogStreams();
        for (let i = 16; i <= 20; i++) log.write(`line-${i}`, X);
      }
      if (text === "line-18") {
        world.sim.faults.cutLogStreams();
        log.write("line-21", X + 1n);
        log.write("line-22", T + 1_200n * MS); // the next second
      }
      if (text === "line-22") log.end();
    },
  });
  assert.deepEqual(followed.lines, Array.from({ length: 22 }, (_, i) => `line-${i + 1}`));
  assert.equal(followed.result.gaps, 0);
  assert.equal(followed.result.cursor.lastTimestamp, "2024-01-01T00:00:11.200000000Z");
  assert.equal(followed.result.cursor.seenAtLast, 1);
  // Each reconnect replayed what was delivered from the resume second on, and dropped exactly that.
  assert.ok(followed.result.replayedLines > 0 && followed.result.replayedBytes > followed.result.replayedLines * 31);
  assert.ok(followed.result.bytesRead > followed.result.replayedBytes);
  const paths = logPaths(world, "same");
  assert.ok(paths.length >= 3, `a first request and reconnects: ${paths.join(", ")}`);
  assert.ok(!(paths[0] ?? "").includes("sinceTime"), "the first request starts at the beginning");
  // Every reconnect before line-22 resumes from 00:00:09 (a second before the floor of 00:00:10.5).
  for (const path of paths.slice(1, -1)) assert.match(path, /follow=true/);
  assert.ok(paths.slice(1, -1).every((p) => p.includes("sinceTime=2024-01-01T00%3A00%3A09Z")), paths.join("\n"));
  assert.ok(!(paths.at(-1) ?? "").includes("follow=true"), "the final read is not a follow");
  assert.match(paths.at(-1) ?? "", /sinceTime=2024-01-01T00%3A00%3A01Z/, "the final read reaches back the window (10 s)");
});

/** Passes bytes on in chunks of odd sizes and, on the n-th connection, drops it after `cutAt[n]` bytes. */
function oddChunks(inner: LogTransport, cutAt: number[]): LogTransport & { opened: () => number } {
  let connection = 0;
  const sizes = [1, 2, 3, 5, 7, 11, 4099];
  return {
    opened: () => connection,
    async open(request, signal) {
      const limit = cutAt[connection++] ?? Number.POSITIVE_INFINITY;
      const body = await inner.open(request, signal);
      return (async function* rechunk() {
        let passed = 0;
        let turn = 0;
        for await (const chunk of body) {
          for (let at = 0; at < chunk.length;) {
            const size = Math.min(sizes[turn++ % sizes.length] ?? 1, chunk.length - at, limit - passed);
            if (size <= 0) throw new LogTransportError("scripted drop mid-line", { code: "ECONNRESET" });
            yield chunk.subarray(at, at + size);
            at += size;
            passed += size;
          }
        }
      })();
    },
  };
}

test("L6/L7: 4-byte characters split at odd byte counts and a 500 KB line cut mid-way arrive intact", { timeout: 20_000 }, async () => {
  const log = await scriptedPod("wide");
  const emoji = "🎉😀🚀".repeat(333) + "é✓";
  const big = `{"type":"user","content":"${"x".repeat(250_000)}${"ж".repeat(125_000)}"}`;
  log.write(emoji, T + 1n * MS);
  log.write(big, T + 2n * MS);
  log.write("after", T + 2n * MS);
  log.end();
  // Drop the first connection inside the big line, the second inside an emoji (odd offsets).
  const transport = oddChunks(createHttpLogTransport(world.kubeConfig), [200_003, 4_001]);
  const followed = await follow(world, "wide", { transport, containerTerminated: async () => true });
  assert.equal(followed.lines.length, 3);
  assert.equal(followed.lines[0], emoji);
  assert.equal(followed.lines[1]?.length, big.length);
  assert.ok(followed.lines[1] === big, "the 500 KB line is intact");
  assert.equal(followed.lines[2], "after");
  // Both drops were seen and reported: the first ended the follow, the second a final read, which was retried.
  assert.equal(transport.opened(), 3, "follow (dropped), final read (dropped), final read again");
  assert.equal(kinds(followed.diagnostics, "error").filter((d) => /scripted drop/.test(d.detail)).length, 2);
  assert.equal(followed.result.finalReads, 2);
  assert.equal(followed.result.drained, true);
  assert.equal(followed.result.end, "terminated");
});

test("L7: a line longer than maxLineBytes is cut with a mark, and the next line still arrives", { timeout: 20_000 }, async () => {
  const log = await scriptedPod("huge");
  log.write("y".repeat(300_000), T + 1n * MS);
  log.write("next", T + 2n * MS);
  log.end();
  const followed = await follow(world, "huge", { maxLineBytes: 100_000, containerTerminated: async () => true });
  assert.equal(followed.lines.length, 2);
  assert.ok((followed.lines[0]?.length ?? 0) < 100_100, "bounded");
  assert.match(followed.lines[0] ?? "", /^y+ …\[line truncated/);
  assert.equal(followed.lines[1], "next");
});

test("L10: the boundary lines rotated away between a cut and the reconnect → one gap diagnostic", { timeout: 20_000 }, async () => {
  const log = await scriptedPod("rotated");
  for (let i = 1; i <= 5; i++) log.write(`old-${i}`, T + BigInt(i) * MS);
  const followed = await follow(world, "rotated", {
    containerTerminated: async () => log.ended,
    onLine: (text) => {
      if (text !== "old-5") return;
      log.write("lost-1", T + 6n * MS);
      world.sim.faults.cutLogStreams();
      log.rotate(6);
      log.write("new-1", T + 7n * MS);
      log.end();
    },
  });
  assert.deepEqual(followed.lines, ["old-1", "old-2", "old-3", "old-4", "old-5", "new-1"]);
  assert.equal(followed.result.gaps, 1);
  const gaps = kinds(followed.diagnostics, "gap");
  assert.equal(gaps.length, 1);
  // The replay (everything from 00:00:09 on: old-1..5) was gone; lost-1 was written after the cursor.
  assert.match(gaps[0]?.detail ?? "", /5 line\(s\) up to 2024-01-01T00:00:10\.005000000Z were not replayed and the log resumed at 2024-01-01T00:00:10\.007000000Z/);
  assert.equal(followed.result.unreplayedLines, 5);
});

test("a line without a timestamp prefix is a diagnostic, not a crash", { timeout: 20_000 }, async () => {
  const inner = createHttpLogTransport(world.kubeConfig);
  const log = await scriptedPod("garbled");
  log.write("good-1", T + 1n * MS);
  log.write("good-2", T + 2n * MS);
  log.end();
  const transport: LogTransport = {
    async open(request, signal) {
      const body = await inner.open(request, signal);
      return (async function* garble() {
        yield new TextEncoder().encode("no timestamp here\n");
        yield* body;
      })();
    },
  };
  const followed = await follow(world, "garbled", { transport, containerTerminated: async () => true });
  assert.deepEqual(followed.lines, ["good-1", "good-2"]);
  assert.ok(kinds(followed.diagnostics, "error").some((d) => /no RFC3339Nano timestamp prefix/.test(d.detail)));
});

test("abort while containerTerminated() hangs: the follower returns promptly", { timeout: 20_000 }, async () => {
  const log = await scriptedPod("slow-check");
  log.write("only", T + 1n * MS);
  log.end();
  const controller = new AbortController();
  const started = Date.now();
  const followed = await follow(world, "slow-check", {
    signal: controller.signal,
    containerTerminated: () => {
      setTimeout(() => controller.abort(), 50);
      return new Promise<boolean>(() => {}); // never answers
    },
  });
  assert.equal(followed.result.end, "aborted");
  assert.deepEqual(followed.lines, ["only"]);
  assert.ok(Date.now() - started < 2_000, `returned after ${Date.now() - started} ms`);
  assert.equal(kinds(followed.diagnostics, "error").length, 0, "the abort is not an error");
});
