// The log cursor as tables: parsing the timestamp prefix, the resume point, and admission of
// lines across reconnects (including several lines with one timestamp, and a rotated-away replay).
import { test } from "node:test";
import assert from "node:assert/strict";
import { START_CURSOR, admit, beginRead, parseStampedLine, resumeSinceTime } from "../src/run/log-cursor.ts";
import type { LogCursor, LogRead, StampedLine } from "../src/run/log-cursor.ts";

const A = "2024-01-01T00:00:05.100000000Z";
const B = "2024-01-01T00:00:05.200000000Z";
const C = "2024-01-01T00:00:06.000000001Z";
const EARLY = "2024-01-01T00:00:05.000000000Z";

const parseCases: { raw: string; want: StampedLine | "error" }[] = [
  { raw: `${A} hello world`, want: { timestamp: A, text: "hello world" } },
  { raw: `${A} `, want: { timestamp: A, text: "" } },
  { raw: A, want: { timestamp: A, text: "" } },
  { raw: `${A}  two spaces`, want: { timestamp: A, text: " two spaces" } },
  { raw: `${A} {"type":"x"} ✓ 🎉`, want: { timestamp: A, text: '{"type":"x"} ✓ 🎉' } },
  { raw: "2024-01-01T00:00:05.1Z short", want: { timestamp: A, text: "short" } },
  { raw: "2024-01-01T00:00:05Z whole", want: { timestamp: "2024-01-01T00:00:05.000000000Z", text: "whole" } },
  { raw: "hello without a prefix", want: "error" },
  { raw: "", want: "error" },
  { raw: "2024-01-01 00:00:05.1Z x", want: "error" },
  { raw: "2024-01-01T00:00:05.1234567891Z ten digits", want: "error" },
  { raw: "2024-01-01T00:00:05.1+01:00 offset", want: "error" },
];

for (const { raw, want } of parseCases) {
  test(`parseStampedLine ${JSON.stringify(raw.slice(0, 40))}`, () => {
    const parsed = parseStampedLine(raw);
    if (want === "error") {
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, /timestamp prefix/);
    } else {
      assert.deepEqual(parsed, { ok: true, line: want });
    }
  });
}

const sinceCases: { cursor: LogCursor; want: string | null }[] = [
  { cursor: START_CURSOR, want: null },
  { cursor: { lastTimestamp: "2024-01-01T00:00:05.123456789Z", seenAtLast: 1 }, want: "2024-01-01T00:00:05Z" },
  { cursor: { lastTimestamp: "2024-12-31T23:59:59.999999999Z", seenAtLast: 3 }, want: "2024-12-31T23:59:59Z" },
  { cursor: { lastTimestamp: "2024-01-01T00:00:05.000000000Z", seenAtLast: 1 }, want: "2024-01-01T00:00:05Z" },
];

for (const { cursor, want } of sinceCases) {
  test(`resumeSinceTime ${cursor.lastTimestamp ?? "start"}`, () => assert.equal(resumeSinceTime(cursor), want));
}

/** Runs reads (one array of timestamps per connection) through the cursor; returns delivered ids and gaps. */
function replay(connections: string[][], from: LogCursor = START_CURSOR): { delivered: string[]; gaps: number; cursor: LogCursor } {
  let cursor = from;
  const delivered: string[] = [];
  let gaps = 0;
  for (const [c, lines] of connections.entries()) {
    let read: LogRead = beginRead(cursor);
    for (const [i, timestamp] of lines.entries()) {
      const result = admit(read, { timestamp, text: `${c}.${i}` });
      read = result.read;
      if (result.gap) gaps += 1;
      if (result.deliver) delivered.push(`${timestamp}#${delivered.filter((d) => d.startsWith(timestamp)).length}`);
    }
    cursor = read.cursor;
  }
  return { delivered, gaps, cursor };
}

const admitCases: { name: string; connections: string[][]; want: string[]; gaps?: number; cursor: LogCursor }[] = [
  { name: "one connection delivers everything in order", connections: [[A, B, C]],
    want: [`${A}#0`, `${B}#0`, `${C}#0`], cursor: { lastTimestamp: C, seenAtLast: 1 } },
  { name: "equal timestamps in one connection all count", connections: [[A, A, A]],
    want: [`${A}#0`, `${A}#1`, `${A}#2`], cursor: { lastTimestamp: A, seenAtLast: 3 } },
  { name: "replay of the whole second after a cut drops what was seen", connections: [[EARLY, A], [EARLY, A, B]],
    want: [`${EARLY}#0`, `${A}#0`, `${B}#0`], cursor: { lastTimestamp: B, seenAtLast: 1 } },
  { name: "three lines share a timestamp, cut after two: the third arrives once", connections: [[A, A], [EARLY, A, A, A, B]],
    want: [`${A}#0`, `${A}#1`, `${A}#2`, `${B}#0`], cursor: { lastTimestamp: B, seenAtLast: 1 } },
  { name: "cut after the third of three equal lines: nothing repeats", connections: [[A, A, A], [A, A, A, C]],
    want: [`${A}#0`, `${A}#1`, `${A}#2`, `${C}#0`], cursor: { lastTimestamp: C, seenAtLast: 1 } },
  { name: "several cuts inside one group of equal timestamps", connections: [[A], [A, A], [A, A, A], [A, A, A, B]],
    want: [`${A}#0`, `${A}#1`, `${A}#2`, `${B}#0`], cursor: { lastTimestamp: B, seenAtLast: 1 } },
  { name: "a connection cut during the replay moves nothing", connections: [[A, A], [EARLY], [A], [A, A, B]],
    want: [`${A}#0`, `${A}#1`, `${B}#0`], cursor: { lastTimestamp: B, seenAtLast: 1 } },
  { name: "an empty reconnect keeps the cursor", connections: [[A, B], [], [B, C]],
    want: [`${A}#0`, `${B}#0`, `${C}#0`], cursor: { lastTimestamp: C, seenAtLast: 1 } },
  { name: "boundary lines rotated away: newer output is delivered and a gap reported", connections: [[A, B, B], [C]],
    want: [`${A}#0`, `${B}#0`, `${B}#1`, `${C}#0`], gaps: 1, cursor: { lastTimestamp: C, seenAtLast: 1 } },
  { name: "only one of two boundary lines replayed: still a gap", connections: [[B, B], [B, C]],
    want: [`${B}#0`, `${B}#1`, `${C}#0`], gaps: 1, cursor: { lastTimestamp: C, seenAtLast: 1 } },
  { name: "older lines than the cursor are dropped without a gap", connections: [[B], [EARLY, A, B, C]],
    want: [`${B}#0`, `${C}#0`], gaps: 0, cursor: { lastTimestamp: C, seenAtLast: 1 } },
];

for (const { name, connections, want, gaps = 0, cursor } of admitCases) {
  test(`admit: ${name}`, () => {
    const result = replay(connections);
    assert.deepEqual(result.delivered, want);
    assert.equal(result.gaps, gaps, "gap reports");
    assert.deepEqual(result.cursor, cursor);
  });
}

test("admit from a cursor handed over by a previous follower skips its boundary lines", () => {
  const result = replay([[EARLY, A, A, B]], { lastTimestamp: A, seenAtLast: 2 });
  assert.deepEqual(result.delivered, [`${B}#0`]);
  assert.equal(result.gaps, 0);
});

test("a line equal to the cursor after the replay is done is new output and counts up", () => {
  let read = beginRead({ lastTimestamp: A, seenAtLast: 1 });
  const first = admit(read, { timestamp: A, text: "replayed" });
  assert.equal(first.deliver, false);
  read = first.read;
  const second = admit(read, { timestamp: A, text: "new" });
  assert.equal(second.deliver, true);
  assert.deepEqual(second.read.cursor, { lastTimestamp: A, seenAtLast: 2 });
});
