// Container output storage: one ContainerOutput per container instance, kept by pod and
// container name. Implements the LogSource contract the API layer reads. Lines dropped by
// simulated rotation stay in `written` for ground truth but are no longer served. Each line is
// stamped by the node's clock; a line longer than the runtime's buffer becomes fragments.

import { NodeClock } from "./clock.ts";
import type { ContainerLog, LogFragment, LogLine, LogSource } from "./log-types.ts";

/** How the node's runtime writes container output. */
export interface LogWriting {
  clock: NodeClock;
  /** A line longer than this many bytes is written as partial entries of at most this size. */
  fragmentBytes: number;
}

/** containerd's and CRI-O's line buffer: longer lines become several partial log entries. */
export const DEFAULT_FRAGMENT_BYTES = 16 * 1024;

type Follower = { onLine: (line: LogLine) => void; onEnd: () => void };

export class ContainerOutput implements ContainerLog {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  #written: LogLine[] = [];
  #firstServed = 0; // lines before this index were rotated away
  #followers = new Set<Follower>();
  #ended = false;
  #writing: LogWriting;

  constructor(namespace: string, pod: string, container: string, writing?: LogWriting) {
    this.namespace = namespace;
    this.pod = pod;
    this.container = container;
    this.#writing = writing ?? { clock: new NodeClock(), fragmentBytes: DEFAULT_FRAGMENT_BYTES };
  }

  get ended(): boolean {
    return this.#ended;
  }

  lines(): readonly LogLine[] {
    return this.#written.slice(this.#firstServed);
  }

  /** Every line ever written, including rotated-away ones (ground truth). */
  allLines(): readonly LogLine[] {
    return this.#written;
  }

  get rotatedCount(): number {
    return this.#firstServed;
  }

  append(stream: LogLine["stream"], text: string): LogLine {
    const { clock, fragmentBytes } = this.#writing;
    const pieces = Buffer.byteLength(text, "utf8") > fragmentBytes ? splitUtf8(text, fragmentBytes) : [text];
    const fragments: LogFragment[] = pieces.map((piece) => {
      const timeNs = clock.stamp(stream);
      return { timeNs, timestamp: clock.format(timeNs), text: piece };
    });
    const first = fragments[0] as LogFragment; // there is always at least one piece
    const line: LogLine = { timeNs: first.timeNs, timestamp: first.timestamp, stream, text,
      ...(fragments.length > 1 ? { fragments } : {}) };
    this.#written.push(line);
    for (const follower of this.#followers) follower.onLine(line);
    return line;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const followers = [...this.#followers];
    this.#followers.clear();
    for (const follower of followers) follower.onEnd();
  }

  /** Simulates containerLogMaxSize rotation: the oldest `count` served lines become unreadable. */
  rotate(count: number): number {
    const dropped = Math.max(0, Math.min(count, this.#written.length - this.#firstServed));
    this.#firstServed += dropped;
    return dropped;
  }

  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void {
    if (this.#ended) {
      // Asynchronous so callers can finish setting up before they hear the end.
      let cancelled = false;
      queueMicrotask(() => { if (!cancelled) onEnd(); });
      return () => { cancelled = true; };
    }
    const follower = { onLine, onEnd };
    this.#followers.add(follower);
    return () => { this.#followers.delete(follower); };
  }
}

export class LogStore implements LogSource {
  // Key: namespace/pod/container -> instances, oldest first (a restart adds one).
  #instances = new Map<string, ContainerOutput[]>();
  readonly writing: LogWriting;

  constructor(writing: Partial<LogWriting> = {}) {
    this.writing = { clock: writing.clock ?? new NodeClock(), fragmentBytes: writing.fragmentBytes ?? DEFAULT_FRAGMENT_BYTES };
  }

  start(namespace: string, pod: string, container: string): ContainerOutput {
    const output = new ContainerOutput(namespace, pod, container, this.writing);
    const key = logKey(namespace, pod, container);
    const list = this.#instances.get(key) ?? [];
    list.push(output);
    this.#instances.set(key, list);
    return output;
  }

  containerLog(namespace: string, pod: string, container: string, previous?: boolean): ContainerOutput | undefined {
    const list = this.#instances.get(logKey(namespace, pod, container));
    if (list === undefined) return undefined;
    return previous === true ? list.at(-2) : list.at(-1);
  }

  /** Every container instance ever started, oldest first per container. */
  all(): ContainerOutput[] {
    return [...this.#instances.values()].flat();
  }

  /** Forgets a pod's logs (its object is gone); ground truth keeps its own copy first. */
  forgetPod(namespace: string, pod: string): ContainerOutput[] {
    const prefix = `${namespace}/${pod}/`;
    const removed: ContainerOutput[] = [];
    for (const [key, list] of this.#instances) {
      if (!key.startsWith(prefix)) continue;
      removed.push(...list);
      this.#instances.delete(key);
    }
    return removed;
  }
}

/**
 * Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes. A runtime cuts at the byte; this
 * cuts before a character that would straddle the limit, so each piece is valid text (the
 * pieces joined are the line, as the kubelet serves it).
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text, "utf8");
  const pieces: string[] = [];
  let start = 0;
  while (bytes.length - start > maxBytes) {
    let end = start + maxBytes;
    while (end > start + 1 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // not inside a character
    pieces.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
  }
  pieces.push(bytes.subarray(start).toString("utf8"));
  return pieces;
}

function logKey(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}
