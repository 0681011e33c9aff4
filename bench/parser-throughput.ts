// Benchmark 4: the stream-json parser's throughput on ordinary transcripts (the largest fixture
// repeated to ~50 MB, fed in 64 KB chunks) and on one 5 MB line fed in 1 KB chunks, compared
// with 5 MB of ordinary lines in the same 1 KB chunks: a ratio near 1 means no quadratic work.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { createStreamJsonParser } from "../packages/claude-k8s/src/claude/index.ts";
import { percentile, round } from "./stats.ts";
import type { BenchResult } from "./stats.ts";

const FIXTURES = path.resolve(import.meta.dirname, "..", "packages", "claude-k8s", "test", "fixtures", "claude");
const MB = 1024 * 1024;
const REPEATS = 3;

function largestFixture(): { name: string; bytes: Buffer } {
  const files = readdirSync(FIXTURES).filter((file) => file.endsWith(".jsonl"));
  const name = files.sort((a, b) => statSync(path.join(FIXTURES, b)).size - statSync(path.join(FIXTURES, a)).size)[0];
  if (name === undefined) throw new Error(`parser-throughput: no .jsonl fixtures in ${FIXTURES}`);
  const text = readFileSync(path.join(FIXTURES, name));
  return { name, bytes: text.at(-1) === 0x0a ? text : Buffer.concat([text, Buffer.from("\n")]) };
}

function repeatTo(unit: Buffer, targetBytes: number): Buffer {
  return Buffer.concat(Array.from({ length: Math.ceil(targetBytes / unit.length) }, () => unit));
}

/** Feeds `input` in `chunkBytes` slices; returns elapsed ms and how many items came out. */
function parseInChunks(input: Buffer, chunkBytes: number): { ms: number; items: number } {
  const parser = createStreamJsonParser();
  let items = 0;
  const started = performance.now();
  for (let offset = 0; offset < input.length; offset += chunkBytes) {
    items += parser.push(input.subarray(offset, offset + chunkBytes)).length;
  }
  items += parser.flush().length;
  return { ms: performance.now() - started, items };
}

/** The median of REPEATS runs (the first also warms the JIT up). */
function medianRun(input: Buffer, chunkBytes: number): { ms: number; items: number } {
  parseInChunks(input.subarray(0, Math.min(input.length, MB)), chunkBytes);
  const runs = Array.from({ length: REPEATS }, () => parseInChunks(input, chunkBytes));
  return { ms: percentile(runs.map((run) => run.ms), 50), items: runs[0]?.items ?? 0 };
}

function hugeLine(bytes: number): Buffer {
  const head = '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"';
  const tail = '"}]}}\n';
  return Buffer.from(head + "x".repeat(bytes - head.length - tail.length) + tail);
}

export async function parserThroughputBench(): Promise<BenchResult> {
  const fixture = largestFixture();
  const bulk = repeatTo(fixture.bytes, 50 * MB);
  const bulkRun = medianRun(bulk, 64 * 1024);
  const oneLine = hugeLine(5 * MB);
  const oneLineRun = medianRun(oneLine, 1024);
  const ordinary = repeatTo(fixture.bytes, 5 * MB).subarray(0, oneLine.length);
  const ordinaryRun = medianRun(ordinary, 1024);
  const notes = oneLineRun.items === 1 ? [] : [`the 5 MB line gave ${oneLineRun.items} items, expected 1`];
  return {
    name: "4. stream-json parser (createStreamJsonParser)",
    notes,
    figures: [
      { metric: `${round(bulk.length / MB, 1)} MB of ${fixture.name} ×${Math.ceil(bulk.length / fixture.bytes.length)}, 64 KB chunks`, value: round(bulkRun.ms, 1), unit: "ms" },
      { metric: "  throughput", value: round(bulk.length / MB / (bulkRun.ms / 1000), 1), unit: "MB/s" },
      { metric: "  items parsed", value: bulkRun.items, unit: "" },
      { metric: "one 5 MB line, 1 KB chunks", value: round(oneLineRun.ms, 1), unit: "ms" },
      { metric: "5 MB of ordinary lines, 1 KB chunks", value: round(ordinaryRun.ms, 1), unit: "ms" },
      { metric: "ratio one-line / ordinary", value: round(oneLineRun.ms / ordinaryRun.ms), unit: "×" },
    ],
  };
}
