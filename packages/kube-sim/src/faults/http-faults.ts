// Faults at the HTTP layer: what a client sees when the network or the API server misbehaves.
// Controlled in-process (sim.faults) and over the admin endpoint (POST /_sim/faults).
import { statusFailure } from "../store/errors.ts";
import type { StatusBody } from "../store/types.ts";

export interface RouteMatch {
  /** HTTP method, e.g. "GET"; any when absent. */
  method?: string;
  /** Regular expression (source text or RegExp) tested against the path and query; any when absent. */
  path?: string | RegExp;
}

export interface LatencyFault extends RouteMatch {
  ms: number;
  /** Only the next N matching requests; every matching one when absent. */
  count?: number;
  durationMs?: number;
}

export interface ErrorFault extends RouteMatch {
  /** 500, 502, 503, 504 or 429. */
  code: number;
  count?: number;
  durationMs?: number;
  /** Sent as Retry-After (429 and 503); default 1. */
  retryAfterSeconds?: number;
}

/** A live log stream, as the API layer registers it. */
export interface LogStreamHandle {
  cut(): void;
  /** Called when a hang ends: send what was held back. */
  resume(): void;
}

/** A live watch, as the API layer registers it. */
export interface WatchHandle {
  /** End the stream, with an ERROR 410 Expired event first when `expired`. */
  end(expired: boolean): void;
}

/** What the faults need from the server they act on. */
export interface ServerControl {
  restart(): Promise<void>;
  setRefusingConnections(refusing: boolean): void;
}

interface Rule<T> { fault: T; pattern: RegExp | undefined; remaining: number | undefined; until: number | undefined }

export interface FaultDecision {
  delayMs: number;
  failure?: { status: StatusBody; headers: Record<string, string> };
}

function errorStatus(code: number, retryAfter: number): StatusBody {
  switch (code) {
    case 429: return statusFailure(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: retryAfter });
    case 503: return statusFailure(503, "ServiceUnavailable", "The server is currently unable to handle the request (injected fault)");
    case 504: return statusFailure(504, "Timeout", "The server was unable to return a response in the time allotted (injected fault)");
    default: return statusFailure(code, "InternalError", "Internal error occurred: injected fault");
  }
}

export class HttpFaults {
  private latencies: Rule<LatencyFault>[] = [];
  private errors: Rule<ErrorFault>[] = [];
  private readonly logStreams = new Set<LogStreamHandle>();
  private readonly watches = new Set<WatchHandle>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private cutInterval: NodeJS.Timeout | undefined;
  /** The hang in force (each hangLogStreams call is a new one), if any. */
  private hang: object | undefined;
  private control: ServerControl | undefined;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Connects the faults to the server they act on (done by the API server). */
  attach(control: ServerControl): void {
    this.control = control;
  }

  addLatency(fault: LatencyFault): void {
    this.latencies.push(this.rule(fault));
  }

  /** 5xx or 429 for the next `count` matching requests or for `durationMs`. */
  failRequests(fault: ErrorFault): void {
    this.errors.push(this.rule(fault));
  }

  /** Destroys every open log stream's connection; returns how many were cut. */
  cutLogStreams(): number {
    const streams = [...this.logStreams];
    for (const stream of streams) stream.cut();
    return streams.length;
  }

  cutLogStreamsEvery(intervalMs: number): void {
    this.stopCuttingLogStreams();
    this.cutInterval = setInterval(() => this.cutLogStreams(), intervalMs);
    this.cutInterval.unref();
  }

  stopCuttingLogStreams(): void {
    if (this.cutInterval) clearInterval(this.cutInterval);
    this.cutInterval = undefined;
  }

  /** Log streams (open and new) stay open but send nothing for `durationMs`, then resume. */
  hangLogStreams(durationMs: number): void {
    // The hang ends when its own timer fires, whatever Date.now() says then: timers can fire a
    // millisecond early by the wall clock, and a later hang replaces this one (its timer is moot).
    const hang = {};
    this.hang = hang;
    this.later(durationMs, () => {
      if (this.hang === hang) this.resumeLogStreams();
    });
  }

  logStreamsHung(): boolean {
    return this.hang !== undefined;
  }

  private resumeLogStreams(): void {
    this.hang = undefined;
    for (const stream of [...this.logStreams]) stream.resume();
  }

  /** Refuses new connections (and drops open ones) for `durationMs`. */
  partition(durationMs: number): void {
    this.requireControl().setRefusingConnections(true);
    this.later(durationMs, () => this.control?.setRefusingConnections(false));
  }

  /** Ends every open watch, with a 410 Expired ERROR event first when `expired`; returns how many. */
  endWatches(options: { expired: boolean }): number {
    const watches = [...this.watches];
    for (const watch of watches) watch.end(options.expired);
    return watches.length;
  }

  /** Drops every connection and listens again on the same port; state is kept. */
  async restartServer(): Promise<void> {
    await this.requireControl().restart();
  }

  /** Removes every fault rule and ends hangs, partitions and periodic cuts. */
  clear(): void {
    this.latencies = [];
    this.errors = [];
    this.stopCuttingLogStreams();
    if (this.logStreamsHung()) this.resumeLogStreams();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.control?.setRefusingConnections(false);
  }

  /** Stops every timer (the sim is shutting down). */
  stop(): void {
    this.clear();
  }

  registerLogStream(stream: LogStreamHandle): () => void {
    this.logStreams.add(stream);
    return () => this.logStreams.delete(stream);
  }

  registerWatch(watch: WatchHandle): () => void {
    this.watches.add(watch);
    return () => this.watches.delete(watch);
  }

  openLogStreams(): number {
    return this.logStreams.size;
  }

  openWatches(): number {
    return this.watches.size;
  }

  /** What to do with one request: how long to hold it and whether to fail it. */
  decide(method: string, pathAndQuery: string): FaultDecision {
    let delayMs = 0;
    for (const rule of this.take(this.latencies, method, pathAndQuery)) delayMs += rule.ms;
    const [error] = this.take(this.errors, method, pathAndQuery, true);
    if (!error) return { delayMs };
    const retryAfter = error.retryAfterSeconds ?? 1;
    const headers: Record<string, string> = error.code === 429 || error.code === 503 ? { "Retry-After": String(retryAfter) } : {};
    return { delayMs, failure: { status: errorStatus(error.code, retryAfter), headers } };
  }

  private rule<T extends RouteMatch & { count?: number; durationMs?: number }>(fault: T): Rule<T> {
    const pattern = fault.path === undefined ? undefined : fault.path instanceof RegExp ? fault.path : new RegExp(fault.path);
    return { fault, pattern, remaining: fault.count, until: fault.durationMs === undefined ? undefined : this.now() + fault.durationMs };
  }

  /** The matching live rules (consuming one use of each), dropping spent ones. */
  private take<T extends RouteMatch>(rules: Rule<T>[], method: string, path: string, firstOnly = false): T[] {
    const now = this.now();
    const taken: T[] = [];
    for (const rule of rules) {
      if (firstOnly && taken.length > 0) break;
      if (rule.until !== undefined && now >= rule.until) { rule.remaining = 0; continue; }
      if (rule.remaining !== undefined && rule.remaining <= 0) continue;
      if (rule.fault.method && rule.fault.method.toUpperCase() !== method) continue;
      if (rule.pattern && !rule.pattern.test(path)) continue;
      if (rule.remaining !== undefined) rule.remaining -= 1;
      taken.push(rule.fault);
    }
    const live = rules.filter((r) => (r.remaining === undefined || r.remaining > 0) && (r.until === undefined || now < r.until));
    rules.splice(0, rules.length, ...live);
    return taken;
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private requireControl(): ServerControl {
    if (!this.control) throw new Error("HttpFaults is not attached to an API server: start the sim before injecting this fault");
    return this.control;
  }
}
