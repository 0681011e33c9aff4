// The run's log: started once the claude container has started (or already exited), it feeds
// the transcript through the resumable follower. When the supervisor knows the container is
// over, the follower gets a short while to finish by itself (the stream usually ends with the
// container); if its stream hangs (L4), it is stopped and one last follower resumes from its
// exact cursor with short bounds, so execute() returns promptly and no line is lost or repeated.
// Nothing of the follower is left running once finish() has resolved.
import type { KubeConfig } from "@kubernetes/client-node";
import { followContainerLog } from "./log-follower.ts";
import type { FollowResult, LogDiagnostic } from "./log-follower.ts";
import type { LogCursor } from "./log-cursor.ts";

export type LogTotals = {
  lines: number; reconnects: number; gaps: number; followers: number; diagnostics: string[];
  bytesRead: number;
  /** Bytes read again on reconnects (the replayed part of a second, dropped by the cursor). */
  replayedBytes: number;
  /** Delivered lines a replay no longer held (rotated away) and unreadable lines. */
  unreplayedLines: number;
  unparsedLines: number;
  /** The log could not be read to its end within the bounds (the API would not serve it). */
  incomplete: boolean;
};

export type RunLogOptions = {
  kubeConfig: KubeConfig;
  namespace: string;
  container: string;
  onLine: (text: string) => Promise<void>;
  containerOver: (hint: { streamEnded: boolean }) => Promise<boolean>;
  onDiagnostic: (diagnostic: LogDiagnostic) => void;
  idleTimeoutMs?: number;
  /** Per final read: no bytes for this long ends that read (it is retried). */
  drainTimeoutMs?: number;
  /** The drain gives up after this long without progress. */
  drainMaxMs?: number;
};

const MAX_DIAGNOSTICS = 50;
const FINAL_IDLE_MS = 2_000;

export class RunLog {
  private readonly options: RunLogOptions;
  private pod: string | null = null;
  private abort = new AbortController();
  private running: Promise<FollowResult | null> | null = null;
  private cursor: LogCursor | undefined;
  private readonly totals: LogTotals = {
    lines: 0, reconnects: 0, gaps: 0, followers: 0, diagnostics: [], bytesRead: 0, replayedBytes: 0, unreplayedLines: 0, unparsedLines: 0, incomplete: false,
  };

  constructor(options: RunLogOptions) {
    this.options = options;
  }

  get started(): boolean {
    return this.pod !== null;
  }

  /** Starts following `pod` (once; later calls are ignored). */
  start(pod: string): void {
    if (this.pod !== null) return;
    this.pod = pod;
    this.running = this.follow({});
  }

  /** Ends following once the container is over: waits `graceMs` for the follower to finish by
   * itself (its stream usually ends with the container), else stops it and drains from its
   * exact cursor with the follower's own bounded drain (L4). */
  async finish(graceMs: number): Promise<LogTotals> {
    if (!this.running) return this.totals;
    let last = await settleWithin(this.running, graceMs);
    if (last === "pending") {
      this.abort.abort();
      await this.running;
      this.abort = new AbortController();
      this.running = this.follow({ idleTimeoutMs: Math.min(FINAL_IDLE_MS, this.options.idleTimeoutMs ?? FINAL_IDLE_MS) });
      last = await this.running;
    }
    if (last === null || last.end !== "terminated" || !last.drained) this.totals.incomplete = true;
    this.running = null;
    return this.totals;
  }

  /** Stops at once (shutdown: the run is left for adoption). */
  async stop(): Promise<LogTotals> {
    this.abort.abort();
    await this.running;
    this.running = null;
    return this.totals;
  }

  private async follow(bounds: { idleTimeoutMs?: number }): Promise<FollowResult | null> {
    const o = this.options;
    const idle = bounds.idleTimeoutMs ?? o.idleTimeoutMs;
    this.totals.followers += 1;
    try {
      const result = await followContainerLog({
        kubeConfig: o.kubeConfig, namespace: o.namespace, pod: this.pod ?? "", container: o.container,
        signal: this.abort.signal, onLine: o.onLine, ...(this.cursor ? { cursor: this.cursor } : {}),
        containerTerminated: o.containerOver,
        onDiagnostic: (d) => this.diagnose(d),
        ...(idle ? { idleTimeoutMs: idle } : {}),
        ...(o.drainTimeoutMs ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
        ...(o.drainMaxMs ? { drainMaxMs: o.drainMaxMs } : {}),
      });
      this.add(result);
      return result;
    } catch (error) {
      this.diagnose({ kind: "error", detail: `log follower failed: ${error instanceof Error ? error.message : String(error)}` });
      return null;
    }
  }

  private add(result: FollowResult): void {
    this.cursor = result.cursor;
    const t = this.totals;
    t.lines += result.lines;
    t.reconnects += result.reconnects;
    t.gaps += result.gaps;
    t.bytesRead += result.bytesRead;
    t.replayedBytes += result.replayedBytes;
    t.unreplayedLines += result.unreplayedLines;
    t.unparsedLines += result.unparsedLines;
  }

  private diagnose(diagnostic: LogDiagnostic): void {
    if (this.totals.diagnostics.length < MAX_DIAGNOSTICS) this.totals.diagnostics.push(`${diagnostic.kind}: ${diagnostic.detail}`);
    this.options.onDiagnostic(diagnostic);
  }
}

function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("pending"), ms);
    void promise.then((value) => { clearTimeout(timer); resolve(value); });
  });
}
