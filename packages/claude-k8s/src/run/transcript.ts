// The transcript: each line the follower delivers goes to the host's stdout exactly once and in
// order (the follower's exact resume is the guarantee; the structural dedup is a safety net that
// counts what it drops), and is parsed for the classification at the end. A quiet run gets a
// keepalive status every `keepaliveMs` (R7): to the status channel and as one `[claude_k8s]`
// line the UI parser shows as a small system entry; none while output flows.
import { createTranscriptDedup, parseClaudeLine } from "../claude/index.ts";
import type { StreamItem } from "../claude/index.ts";
import type { RunHost } from "./host.ts";

/** Lines the adapter itself writes into the transcript start with this (the UI parser knows it). */
export const ADAPTER_LINE_PREFIX = "[claude_k8s] ";

export class Transcript {
  readonly items: StreamItem[] = [];
  lines = 0;
  duplicatesDropped = 0;
  keepalives = 0;
  private lastOutputAt: number;
  private readonly dedup = createTranscriptDedup();
  private readonly host: RunHost;
  private readonly now: () => number;

  constructor(host: RunHost, now: () => number = Date.now) {
    this.host = host;
    this.now = now;
    this.lastOutputAt = now();
  }

  /** One line of the container's log (without its newline). */
  async line(text: string): Promise<void> {
    this.lastOutputAt = this.now();
    const item = parseClaudeLine(text);
    if (!this.dedup.accept(item)) {
      this.duplicatesDropped += 1;
      return;
    }
    this.items.push(item);
    this.lines += 1;
    await this.host.log("stdout", `${text}\n`);
  }

  /** A line of the adapter's own, visible in the transcript as a system entry. */
  async note(text: string): Promise<void> {
    await this.host.log("stdout", `${ADAPTER_LINE_PREFIX}${text}\n`);
  }

  /** Starts the keepalive; the returned function stops it (idempotent). */
  keepalive(everyMs: number, describe: () => string): () => void {
    if (!(everyMs > 0)) return () => {};
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const arm = (ms: number): void => { timer = setTimeout(tick, ms); };
    const tick = (): void => {
      if (stopped) return;
      const quietMs = this.now() - this.lastOutputAt;
      if (quietMs >= everyMs) {
        this.keepalives += 1;
        const message = `still running, no output for ${Math.round(quietMs / 1000)} s: ${describe()}`;
        this.host.status({ type: "k8s.keepalive", level: "info", message, starting: false });
        void this.note(message);
        this.lastOutputAt = this.now();
        arm(everyMs);
      } else {
        arm(everyMs - quietMs);
      }
    };
    arm(everyMs);
    return () => { stopped = true; clearTimeout(timer); };
  }
}
