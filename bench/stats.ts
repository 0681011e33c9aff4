// Shared measuring helpers: percentiles, wall-clock time, RSS, live child processes, and the
// result shape every benchmark returns.
import { readdirSync, readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface Figure {
  metric: string;
  value: number | string;
  unit: string;
}

/** Samples of one latency (for its distribution), or one figure across sizes (for its scaling). */
export type Series =
  | { kind: "distribution"; name: string; unit: string; samples: number[] }
  | { kind: "scaling"; name: string; xLabel: string; unit: string; points: { x: number; y: number }[] };

/** A target from the issue, what was measured against it, and whether it was met. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
  /** How far off, in words, when not met. */
  gap?: string;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  /** Anything odd seen while measuring (timeouts, missing events); empty when the run was clean. */
  notes: string[];
  series?: Series[];
  targets?: TargetCheck[];
}

export interface BenchOptions {
  /** The short version CI can run in under a minute. */
  quick: boolean;
  /** Length of the long quiet run in the requests-per-run comparison. */
  longRunSec: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function maxOf(samples: readonly number[]): number {
  return samples.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY);
}

/** Wall-clock milliseconds since the Unix epoch with sub-millisecond resolution. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A full GC, so one benchmark's garbage does not count in the next one's RSS. The script line
 * is fixed (no --expose-gc), so the flag is set at run time and gc taken from a fresh context.
 */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
}

export function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

export function heapMb(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** PIDs of every live descendant of this process (read from /proc; Linux only). */
export function descendantPids(root = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // The command name may hold spaces or parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const parent = Number(fields[1]);
    const state = fields[0];
    if (state === "Z") continue; // a zombie is already dead; only its reaping is pending
    children.set(parent, [...children.get(parent) ?? [], Number(entry)]);
  }
  const found: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const next = pending.pop() ?? 0;
    for (const child of children.get(next) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

/** Polls `check` every `intervalMs` (after `refresh`, if given) until it is true or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(check: () => boolean, timeoutMs: number, intervalMs = 20, refresh?: () => Promise<void>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  await refresh?.();
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    await refresh?.();
  }
  return true;
}

/** Runs `work` on `items` with at most `limit` in flight. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
