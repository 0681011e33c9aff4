// The stream-json path's throughput (parse + dedup + delivery), on the recorded Claude
// transcripts repeated to a large one. Each repeat gets its own message ids and uuids, so the
// dedup passes every line on as it would in a real long run (a verbatim repeat would be dropped
// as a replay and measure less). Two figures: the Transcript class alone (what each delivered
// line costs: parse, dedup, onLog), and the follower's whole per-line path in front of it (the
// kubelet's timestamp prefix, the byte line splitter, the cursor's admission) on 64 KB chunks.
// Each is the median of three passes; the heap the Transcript keeps is read after the first.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ByteLineSplitter } from "../packages/claude-k8s/src/claude/index.ts";
import { admit, beginRead, parseStampedLine, START_CURSOR } from "../packages/claude-k8s/src/run/log-cursor.ts";
import { safeHost } from "../packages/claude-k8s/src/run/host.ts";
import { Transcript } from "../packages/claude-k8s/src/run/transcript.ts";
import { collectGarbage, percentile, round } from "./stats.ts";
import type { BenchOptions, BenchResult, TargetCheck } from "./stats.ts";

const FIXTURES = path.resolve(import.meta.dirname, "..", "packages", "claude-k8s", "test", "fixtures", "claude");
const MB = 1024 * 1024;

type Json = Record<string, unknown>;

/** Every fixture's events, each with the fixture's number (their ids restart per recording). */
function fixtureEvents(): { event: Json; fixture: number }[] {
  return readdirSync(FIXTURES).filter((file) => file.endsWith(".jsonl")).sort()
    .flatMap((file, fixture) => readFileSync(path.join(FIXTURES, file), "utf8").split("\n").filter((line) => line.trim() !== "")
      .map((line) => ({ event: JSON.parse(line) as Json, fixture })));
}

/** The event with every id a replay check keys on made unique to tag `k`. */
function renamed(event: Json, k: string): string {
  const copy = structuredClone(event);
  if (typeof copy.uuid === "string") copy.uuid = `${copy.uuid}-r${k}`;
  if (typeof copy.session_id === "string") copy.session_id = `${copy.session_id}-r${k}`;
  const message = copy.message as Json | undefined;
  if (message && typeof message.id === "string") message.id = `${message.id}_r${k}`;
  for (const block of (Array.isArray(message?.content) ? message.content : []) as Json[]) {
    if (typeof block.id === "string") block.id = `${block.id}_r${k}`;
    if (typeof block.tool_use_id === "string") block.tool_use_id = `${block.tool_use_id}_r${k}`;
  }
  return JSON.stringify(copy);
}

function transcriptLines(targetBytes: number): string[] {
  const events = fixtureEvents();
  const lines: string[] = [];
  let bytes = 0;
  for (let k = 0; bytes < targetBytes; k += 1) {
    for (const { event, fixture } of events) {
      const line = renamed(event, `${k}f${fixture}`);
      lines.push(line);
      bytes += Buffer.byteLength(line) + 1;
    }
  }
  return lines;
}

/** The kubelet's form: an RFC3339Nano stamp (1 µs apart, in order), a space, the line. */
function stampedLog(lines: readonly string[]): Buffer {
  const start = Date.UTC(2026, 0, 1) / 1000;
  return Buffer.from(lines.map((line, i) => {
    const second = start + Math.floor(i / 1_000_000);
    const iso = new Date(second * 1000).toISOString().slice(0, 19);
    return `${iso}.${String((i % 1_000_000) * 1000).padStart(9, "0")}Z ${line}\n`;
  }).join(""));
}

function newTranscript(): Transcript {
  return new Transcript(safeHost({ log: async () => {} }));
}

async function transcriptOnly(lines: readonly string[]): Promise<{ ms: number; cpuMs: number; transcript: Transcript }> {
  const transcript = newTranscript();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const line of lines) await transcript.line(line);
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, transcript };
}

async function followerPath(log: Buffer): Promise<{ ms: number; delivered: number }> {
  const transcript = newTranscript();
  const splitter = new ByteLineSplitter();
  let read = beginRead(START_CURSOR);
  const started = performance.now();
  for (let offset = 0; offset < log.length; offset += 64 * 1024) {
    const raws: string[] = [];
    splitter.push(log.subarray(offset, offset + 64 * 1024), (raw) => raws.push(raw));
    for (const raw of raws) {
      const parsed = parseStampedLine(raw);
      if (!parsed.ok) continue;
      const admission = admit(read, parsed.line);
      read = admission.read;
      if (admission.deliver) await transcript.line(parsed.line.text);
    }
  }
  return { ms: performance.now() - started, delivered: transcript.lines };
}

/** One timed pass, and the heap its Transcript still holds (its items) after a full GC. */
async function keptHeap(lines: readonly string[]): Promise<{ ms: number; cpuMs: number; retainedMb: number; kept: number; duplicatesDropped: number }> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const { ms, cpuMs, transcript } = await transcriptOnly(lines);
  collectGarbage();
  const retainedMb = (process.memoryUsage().heapUsed - before) / MB;
  return { ms, cpuMs, retainedMb, kept: transcript.items.length, duplicatesDropped: transcript.duplicatesDropped };
}

export async function transcriptThroughputBench(options: BenchOptions): Promise<BenchResult> {
  const targetMb = options.quick ? 10 : 50;
  const lines = transcriptLines(targetMb * MB);
  const textBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  const log = stampedLog(lines);
  await transcriptOnly(lines.slice(0, 2000)); // JIT warm-up
  const first = await keptHeap(lines);
  // The machine is shared: the median of three passes of each (one at a time, so no pass's
  // retained transcript weighs on another's garbage collection).
  const onlyMs = [first.ms];
  const onlyCpuMs = [first.cpuMs];
  for (let pass = 0; pass < 2; pass += 1) {
    const run = await transcriptOnly(lines);
    onlyMs.push(run.ms);
    onlyCpuMs.push(run.cpuMs);
  }
  const followerMs: number[] = [];
  let delivered = 0;
  for (let pass = 0; pass < 3; pass += 1) {
    const run = await followerPath(log);
    followerMs.push(run.ms);
    delivered = run.delivered;
  }
  const follower = { ms: percentile(followerMs, 50), delivered };
  const notes: string[] = [];
  if (first.duplicatesDropped > 0) notes.push(`${first.duplicatesDropped} lines dropped as duplicates: the repeats are not unique enough`);
  if (follower.delivered !== lines.length) notes.push(`the follower path delivered ${follower.delivered} of ${lines.length} lines`);
  const mbPerSec = textBytes / MB / (percentile(onlyMs, 50) / 1000);
  const met = mbPerSec >= 50;
  const target: TargetCheck = { target: "stream-json path ≥ 50 MB/s (parse + dedup + delivery)", measured: `${round(mbPerSec, 1)} MB/s (wall clock, median of 3)`, met, ...(met ? {} : { gap: `${round(50 - mbPerSec, 1)} MB/s short` }) };
  return {
    name: `9. stream-json path (Transcript: parse + dedup + delivery), ${round(textBytes / MB, 1)} MB of the recorded transcripts`,
    notes, targets: [target],
    figures: [
      { metric: "lines (every fixture, repeated with fresh ids)", value: lines.length, unit: "" },
      { metric: "Transcript.line: throughput", value: round(mbPerSec, 1), unit: "MB/s" },
      { metric: "Transcript.line: MB per CPU-second (less affected by other load)", value: round(textBytes / MB / (percentile(onlyCpuMs, 50) / 1000), 1), unit: "MB/s" },
      { metric: "Transcript.line: per line", value: round((percentile(onlyMs, 50) * 1000) / lines.length, 2), unit: "µs" },
      { metric: "with the follower's splitter + stamps + cursor (64 KB chunks)", value: round(log.length / MB / (follower.ms / 1000), 1), unit: "MB/s" },
      { metric: "heap the Transcript keeps (its items) per MB of transcript", value: round(first.retainedMb / (textBytes / MB), 2), unit: "MB" },
      { metric: "items kept", value: first.kept, unit: "" },
    ],
  };
}
