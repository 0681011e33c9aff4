// The run's log: started once the claude container has started (or already exited), it feeds
// the transcript through the resumable follower. When the supervisor knows the container is
// over, the follower gets a short while to finish by itself (the stream usually ends with the
// container); if its stream hangs (L4), it is stopped and one last follower resumes from its
// exact cursor with short bounds, so execute() returns promptly and no line is lost or repeated.
// Nothing of the follower is left running once finish() has resolved.
import type { KubeConfig } from "@kubernetes/client-node";
import { followContainerLog } from "./log-follower.ts";
import type { FollowResult, LogDiagnostic } from "./log-follower.ts";
import { START_CURSOR } from "./log-cursor.ts";
import type { LogCursor } from "./log-cursor.ts";

export type LogTotals = {
  lines: number; reconnects: number; gaps: number; followers: number; diagnostics: string[];
  /** The log could not be read to its end within the bounds (the API would not serve it). */
  incomplete: boolean;
};

export type RunLogOptions = {
  kubeConfig: KubeConfig;
  namespace: string;
  container: string;
  onLine: (text: string) => Promise<void>;
  containerOver: () => boolean;
  onDiagnostic: (diagnostic: LogDiagnostic) => void;
  idleTimeoutMs?: number;
  drainTimeoutMs?: number;
};

const MAX_DIAGNOSTICS = 50;

export class RunLog {
  private readonly options: RunLogOptions;
  private pod: string | null = null;
  private abort = new AbortController();
  private running: Promise<FollowResult> | null = null;
  private cursor: LogCursor | undefined;
  private readonly totals: LogTotals = { lines: 0, reconnects: 0, gaps: 0, followers: 0, diagnostics: [], incomplete: false };

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

  /** Ends following: waits `graceMs` for the follower to finish by itself, then stops it and
   * reads what is left from its cursor within `finalMs`. */
  async finish(graceMs: number, finalMs: number): Promise<LogTotals> {
    if (!this.running) return this.totals;
    const first = await settleWithin(this.running, graceMs);
    if (first === "pending") {
      this.abort.abort();
      await this.running;
      this.abort = new AbortController();
      const timer = setTimeout(() => { this.totals.incomplete = true; this.abort.abort(); }, finalMs);
      this.running = this.follow({ idleTimeoutMs: Math.max(1, Math.min(finalMs, 2_000)), drainTimeoutMs: Math.max(1, finalMs) });
      const last = await this.running.finally(() => clearTimeout(timer));
      if (last.end !== "terminated") this.totals.incomplete = true;
    }
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

  private async follow(bounds: { idleTimeoutMs?: number; drainTimeoutMs?: number }): Promise<FollowResult> {
    const o = this.options;
    this.totals.followers += 1;
    const result = await followContainerLog({
      kubeConfig: o.kubeConfig, namespace: o.namespace, pod: this.pod ?? "", container: o.container,
      signal: this.abort.signal, onLine: o.onLine, ...(this.cursor ? { cursor: this.cursor } : {}),
      containerTerminated: () => Promise.resolve(o.containerOver()),
      onDiagnostic: (d) => this.diagnose(d),
      ...(bounds.idleTimeoutMs ?? o.idleTimeoutMs ? { idleTimeoutMs: bounds.idleTimeoutMs ?? o.idleTimeoutMs } : {}),
      ...(bounds.drainTimeoutMs ?? o.drainTimeoutMs ? { drainTimeoutMs: bounds.drainTimeoutMs ?? o.drainTimeoutMs } : {}),
    }).catch((error: unknown): FollowResult => {
      this.diagnose({ kind: "error", detail: `log follower failed: ${error instanceof Error ? error.message : String(error)}` });
      return { lines: 0, reconnects: 0, gaps: 0, cursor: this.cursor ?? START_CURSOR, end: "aborted" };
    });
    this.cursor = result.cursor;
    this.totals.lines += result.lines;
    this.totals.reconnects += result.reconnects;
    this.totals.gaps += result.gaps;
    return result;
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
