import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../src/kubelet/line-splitter.ts";
import { formatRfc3339Nano, NodeClock, nowNs } from "../src/kubelet/clock.ts";
import { LogStore, splitUtf8 } from "../src/kubelet/log-store.ts";

const splitCases: { name: string; chunks: Buffer[]; lines: string[] }[] = [
  { name: "one line per chunk", chunks: [Buffer.from("a\n"), Buffer.from("b\n")], lines: ["a", "b"] },
  { name: "two lines in one chunk", chunks: [Buffer.from("a\nb\n")], lines: ["a", "b"] },
  { name: "a line across chunks", chunks: [Buffer.from("ab"), Buffer.from("c\n")], lines: ["abc"] },
  { name: "a final partial line", chunks: [Buffer.from("a\nrest")], lines: ["a", "rest"] },
  { name: "empty lines kept", chunks: [Buffer.from("\n\nx\n")], lines: ["", "", "x"] },
  { name: "UTF-8 split inside a character", chunks: splitBytes("é😀\n", 1), lines: ["é😀"] },
  { name: "UTF-8 split at every byte", chunks: splitBytes("ünï😀code\nz", 1), lines: ["ünï😀code", "z"] },
  { name: "CRLF: the runtime strips the CR", chunks: [Buffer.from("a\r\nb\r\n")], lines: ["a", "b"] },
  { name: "CRLF split across chunks", chunks: [Buffer.from("a\r"), Buffer.from("\n")], lines: ["a"] },
  { name: "a lone CR is kept (not a separator)", chunks: [Buffer.from("a\rb\n")], lines: ["a\rb"] },
  { name: "only the last CR of a line ending goes", chunks: [Buffer.from("a\r\r\n")], lines: ["a\r"] },
  { name: "a final CR without newline is kept", chunks: [Buffer.from("a\r")], lines: ["a\r"] },
];

function splitBytes(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

for (const c of splitCases) {
  test(`LineSplitter: ${c.name}`, () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of c.chunks) splitter.push(chunk);
    splitter.flush();
    assert.deepEqual(lines, c.lines);
  });
}

test("LineSplitter: a 500 KB line in 64 KB chunks arrives as one line", () => {
  const long = "x".repeat(500 * 1024 - 1) + "é";
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of splitBytes(long + "\n", 65536)) splitter.push(chunk);
  assert.equal(lines.length, 1);
  assert.equal(lines[0], long);
});

const formatCases: { ns: bigint; text: string }[] = [
  { ns: 0n, text: "1970-01-01T00:00:00.000000000Z" },
  { ns: 1_704_067_200_123_456_789n, text: "2024-01-01T00:00:00.123456789Z" },
  { ns: 1_704_067_201_000_000_007n, text: "2024-01-01T00:00:01.000000007Z" },
  { ns: 1_704_067_199_999_999_999n, text: "2023-12-31T23:59:59.999999999Z" },
];
for (const c of formatCases) {
  test(`formatRfc3339Nano(${c.ns}) is fixed width`, () => {
    assert.equal(formatRfc3339Nano(c.ns), c.text);
    assert.equal(formatRfc3339Nano(c.ns).length, 30);
  });
}

const zoneCases: { ns: bigint; offset: number; text: string }[] = [
  { ns: 1_767_225_610_100_000_000n, offset: 480, text: "2026-01-01T08:00:10.100000000+08:00" },
  { ns: 1_767_225_610_100_000_000n, offset: -330, text: "2025-12-31T18:30:10.100000000-05:30" },
  { ns: 1_767_225_610_100_000_000n, offset: 0, text: "2026-01-01T00:00:10.100000000Z" },
  { ns: 1_767_225_599_999_999_999n, offset: 60, text: "2026-01-01T00:59:59.999999999+01:00" },
];
for (const c of zoneCases) {
  test(`formatRfc3339Nano in a zone ${c.offset} min east of UTC: ${c.text}`, () => {
    assert.equal(formatRfc3339Nano(c.ns, c.offset), c.text);
    assert.equal(Date.parse(c.text), Number(c.ns / 1_000_000n), "the same instant");
  });
}

test("NodeClock: stderr stamped behind stdout by the jitter; each stream stays in order", () => {
  const clock = new NodeClock({ streamJitterMicros: 5_000_000 });
  const out = clock.stamp("stdout");
  const err = clock.stamp("stderr");
  const out2 = clock.stamp("stdout");
  const err2 = clock.stamp("stderr");
  assert.ok(err < out, "a stderr line read after a stdout line carries an earlier stamp");
  assert.ok(out2 >= out && err2 >= err);
  assert.ok(out - err <= 5_000_000_000n);
});

test("NodeClock: a planned step and a step now move later stamps back; the zone shows in the format", async () => {
  const clock = new NodeClock({ utcOffsetMinutes: 480, clockStep: { afterMs: 30, byMs: -10_000 } });
  const before = clock.stamp("stdout");
  await new Promise((resolve) => setTimeout(resolve, 40));
  const after = clock.stamp("stdout");
  assert.ok(before - after > 9_000_000_000n, "stamps after the planned step are about 10 s earlier");
  clock.step(-5_000);
  assert.ok(after - clock.stamp("stdout") > 4_000_000_000n, "a step now applies at once");
  assert.match(clock.format(after), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+08:00$/);
  assert.equal(new NodeClock().format(0n), "1970-01-01T00:00:00.000000000Z");
});

test("LogStore: a line longer than the fragment size becomes fragments (UTF-8 intact), each stamped", () => {
  const store = new LogStore({ fragmentBytes: 4 });
  const output = store.start("ns", "p", "c");
  const line = output.append("stdout", "abcdéfghi");
  assert.deepEqual(line.fragments?.map((f) => f.text), ["abcd", "éfg", "hi"]);
  assert.equal(line.text, "abcdéfghi");
  assert.equal(line.fragments?.[0]?.timeNs, line.timeNs);
  const stamps = line.fragments?.map((f) => f.timeNs) ?? [];
  assert.ok(stamps.every((t, i) => i === 0 || t >= (stamps[i - 1] ?? 0n)));
  assert.equal(output.append("stdout", "abcd").fragments, undefined, "a line of exactly the size is one entry");
  assert.deepEqual(splitUtf8("😀😀", 5), ["😀", "😀"]);
  assert.deepEqual(splitUtf8("", 4), [""]);
});

test("nowNs is monotonic and near Date.now()", () => {
  let previous = nowNs();
  for (let i = 0; i < 1000; i++) {
    const current = nowNs();
    assert.ok(current >= previous);
    previous = current;
  }
  const driftMs = Math.abs(Number(previous / 1_000_000n) - Date.now());
  assert.ok(driftMs < 1000, `drift ${driftMs} ms`);
});

test("LogStore: lines, follow, end, rotation and previous instance", async () => {
  const store = new LogStore();
  const first = store.start("ns", "p", "c");
  first.append("stdout", "old");
  first.end();
  const output = store.start("ns", "p", "c");
  output.append("stdout", "one");
  const followed: string[] = [];
  let ended = false;
  output.follow((line) => followed.push(line.text), () => { ended = true; });
  output.append("stderr", "two");
  output.append("stdout", "three");
  assert.deepEqual(output.rotate(2), 2);
  assert.deepEqual(output.lines().map((l) => l.text), ["three"]);
  assert.deepEqual(output.allLines().map((l) => l.text), ["one", "two", "three"]);
  output.end();
  assert.deepEqual(followed, ["two", "three"]);
  assert.equal(ended, true);
  assert.equal(store.containerLog("ns", "p", "c"), output);
  assert.deepEqual(store.containerLog("ns", "p", "c", true)?.lines().map((l) => l.text), ["old"]);
  assert.equal(store.containerLog("ns", "p", "other"), undefined);
  const lateEnd = await new Promise<boolean>((resolve) => output.follow(() => resolve(false), () => resolve(true)));
  assert.equal(lateEnd, true);
});
