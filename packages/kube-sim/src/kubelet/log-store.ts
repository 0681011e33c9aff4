// Container output storage: one ContainerOutput per container instance, kept by pod and
// container name. Implements the LogSource contract the API layer reads. Lines dropped by
// simulated rotation stay in `written` for ground truth but are no longer served.

import { formatRfc3339Nano, nowNs } from "./clock.ts";
import type { ContainerLog, LogLine, LogSource } from "./log-types.ts";

type Follower = { onLine: (line: LogLine) => void; onEnd: () => void };

export class ContainerOutput implements ContainerLog {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  #written: LogLine[] = [];
  #firstServed = 0; // lines before this index were rotated away
  #followers = new Set<Follower>();
  #ended = false;

  constructor(namespace: string, pod: string, container: string) {
    this.namespace = namespace;
    this.pod = pod;
    this.container = container;
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
    const timeNs = nowNs();
    const line: LogLine = { timeNs, timestamp: formatRfc3339Nano(timeNs), stream, text };
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

  start(namespace: string, pod: string, container: string): ContainerOutput {
    const output = new ContainerOutput(namespace, pod, container);
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

function logKey(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}
