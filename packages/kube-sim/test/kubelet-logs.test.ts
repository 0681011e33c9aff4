import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../src/kubelet/line-splitter.ts";
import { formatRfc3339Nano, nowNs } from "../src/kubelet/clock.ts";
import { LogStore } from "../src/kubelet/log-store.ts";

const splitCases: { name: string; chunks: Buffer[]; lines: string[] }[] = [
  { name: "one line per chunk", chunks: [Buffer.from("a\n"), Buffer.from("b\n")], lines: ["a", "b"] },
  { name: "two lines in one chunk", chunks: [Buffer.from("a\nb\n")], lines: ["a", "b"] },
  { name: "a line across chunks", chunks: [Buffer.from("ab"), Buffer.from("c\n")], lines: ["abc"] },
  { name: "a final partial line", chunks: [Buffer.from("a\nrest")], lines: ["a", "rest"] },
  { name: "empty lines kept", chunks: [Buffer.from("\n\nx\n")], lines: ["", "", "x"] },
  { name: "UTF-8 split inside a character", chunks: splitBytes("é😀\n", 1), lines: ["é😀"] },
  { name: "UTF-8 split at every byte", chunks: splitBytes("ünï😀code\nz", 1), lines: ["ünï😀code", "z"] },
  { name: "CR is kept (not a separator)", chunks: [Buffer.from("a\r\n")], lines: ["a\r"] },
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
