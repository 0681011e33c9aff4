// GET /api/v1/namespaces/NS/pods/NAME/log, served from the kubelet's LogSource with the real
// server's parameter semantics and errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, invalid, notFound } from "../store/errors.ts";
import type { FieldCause } from "../store/errors.ts";
import { PODS } from "../store/resources.ts";
import type { KubeObject, Store } from "../store/types.ts";
import type { HttpFaults } from "../faults/http-faults.ts";
import type { LogLine, LogSource } from "../kubelet/log-types.ts";
import { queryFlag, queryInt } from "./http-util.ts";

export interface LogContext {
  store: Store;
  faults: HttpFaults;
  logSource: () => LogSource;
}

export interface LogOptions {
  container: string | undefined;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Entries stamped before this instant (ns since epoch) are skipped, whatever zone wrote them. */
  sinceNs: bigint | undefined;
  tailLines: number | undefined;
  limitBytes: number | undefined;
}

/** Parses and validates the query like the real server (422 for bad combinations, 400 for bad times). */
export function parseLogOptions(query: URLSearchParams, podName: string, nowMs: number): LogOptions {
  const sinceSeconds = queryInt(query, "sinceSeconds");
  const sinceTime = query.get("sinceTime");
  const tailLines = queryInt(query, "tailLines");
  const limitBytes = queryInt(query, "limitBytes");
  const causes: FieldCause[] = [];
  const invalidField = (field: string, value: unknown, message: string) =>
    causes.push({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` });
  if (sinceSeconds !== undefined && sinceTime !== null) {
    causes.push({ reason: "FieldValueForbidden", field: "sinceSeconds", message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified" });
  }
  if (sinceSeconds !== undefined && sinceSeconds < 1) invalidField("sinceSeconds", sinceSeconds, "must be greater than 0");
  if (tailLines !== undefined && tailLines < 0) invalidField("tailLines", tailLines, "must be greater than or equal to 0");
  if (limitBytes !== undefined && limitBytes < 1) invalidField("limitBytes", limitBytes, "must be greater than 0");
  if (causes.length > 0) throw invalid({ ...PODS, kind: "PodLogOptions", group: "" }, podName, causes);
  let sinceNs: bigint | undefined;
  if (sinceTime !== null) {
    const parsed = Date.parse(sinceTime);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(sinceTime) || Number.isNaN(parsed)) {
      throw badRequest(`sinceTime: parsing time ${JSON.stringify(sinceTime)} as RFC3339 failed: use e.g. 2024-01-01T00:00:00Z`);
    }
    // The API server passes sinceTime on to the kubelet at whole-second precision.
    sinceNs = BigInt(Math.floor(parsed / 1000)) * 1_000_000_000n;
  } else if (sinceSeconds !== undefined) {
    sinceNs = BigInt(nowMs - sinceSeconds * 1000) * 1_000_000n;
  }
  return { container: query.get("container") ?? undefined, follow: queryFlag(query, "follow"),
    previous: queryFlag(query, "previous"), timestamps: queryFlag(query, "timestamps"), sinceNs, tailLines, limitBytes };
}

function containerNames(pod: KubeObject, field: "containers" | "initContainers"): string[] {
  const list = (pod.spec as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? list.map((c: { name?: unknown }) => String(c.name ?? "")) : [];
}

/** The container to read: the one asked for, else the only one; 400 otherwise. */
export function chooseContainer(pod: KubeObject, asked: string | undefined): string {
  const podName = pod.metadata.name ?? "";
  const containers = containerNames(pod, "containers");
  const init = containerNames(pod, "initContainers");
  if (asked === undefined || asked === "") {
    if (containers.length === 1) return containers[0] ?? "";
    const initPart = init.length > 0 ? ` or one of the init containers: [${init.join(" ")}]` : "";
    throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.join(" ")}]${initPart}`);
  }
  if (!containers.includes(asked) && !init.includes(asked)) throw badRequest(`container ${asked} is not valid for pod ${podName}`);
  return asked;
}

function waitingReason(pod: KubeObject, container: string): string {
  const status = pod.status as { containerStatuses?: unknown[]; initContainerStatuses?: unknown[] } | undefined;
  const all = [...(status?.containerStatuses ?? []), ...(status?.initContainerStatuses ?? [])] as
    { name?: string; state?: { waiting?: { reason?: string } } }[];
  return all.find((c) => c.name === container)?.state?.waiting?.reason ?? "ContainerCreating";
}

/** One entry of the node's log file: a whole line, or one partial entry of a long line. */
export interface LogEntry {
  timeNs: bigint;
  timestamp: string;
  text: string;
  /** More of the same line follows in the next entry. */
  partial: boolean;
}

/** The entries a line occupies in the node's log file (several for a long, fragmented line). */
export function logEntries(line: LogLine): LogEntry[] {
  const fragments = line.fragments ?? [];
  if (fragments.length < 2) return [{ timeNs: line.timeNs, timestamp: line.timestamp, text: line.text, partial: false }];
  return fragments.map((f, i) => ({ timeNs: f.timeNs, timestamp: f.timestamp, text: f.text, partial: i < fragments.length - 1 }));
}

/** The last `tailLines` entries of the log file (a fragment counts as one, as the kubelet counts file lines). */
export function tailEntries(lines: readonly LogLine[], tailLines: number | undefined): LogEntry[] {
  const entries = lines.flatMap(logEntries);
  return tailLines !== undefined ? entries.slice(Math.max(0, entries.length - tailLines)) : entries;
}

/**
 * Writes entries as the kubelet (1.26+) serves them. Each entry is judged by its own stamp
 * against `since` (an instant, whatever zone wrote the stamp). A line's stamp is written only
 * where a line begins: the fragments of a long line are joined under the first fragment's
 * stamp, and where `since` skipped the first fragments the rest of the line is served joined
 * and without a stamp (the kubelet's "new line" flag follows skipped entries too). Keeps its
 * place across calls (a follow stream).
 */
export class EntryFormatter {
  #lineStart = true;
  readonly #timestamps: boolean;
  readonly #sinceNs: bigint | undefined;

  constructor(timestamps: boolean, sinceNs?: bigint) {
    this.#timestamps = timestamps;
    this.#sinceNs = sinceNs;
  }

  format(entries: readonly LogEntry[]): string {
    let text = "";
    for (const entry of entries) {
      const skipped = this.#sinceNs !== undefined && entry.timeNs < this.#sinceNs;
      if (!skipped) {
        if (this.#lineStart && this.#timestamps) text += `${entry.timestamp} `;
        text += entry.partial ? entry.text : `${entry.text}\n`;
      }
      this.#lineStart = !entry.partial;
    }
    return text;
  }
}

export function serveLog(context: LogContext, req: IncomingMessage, res: ServerResponse, url: URL,
  namespace: string, podName: string): void {
  const options = parseLogOptions(url.searchParams, podName, Date.now());
  const pod = context.store.tryGet(PODS, namespace, podName);
  if (!pod) throw notFound(PODS, podName);
  const container = chooseContainer(pod, options.container);
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
    res.writeHead(204);
    res.end();
    return;
  }
  const log = context.logSource().containerLog(namespace, podName, container, options.previous);
  if (!log) {
    if (options.previous) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waitingReason(pod, container)}`);
  }
  res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  new LogWriter(context.faults, req, res, options).start(log);
}

/** Writes one log response: limitBytes, the hang fault (hold back, then flush), the cut fault. */
class LogWriter {
  private remaining: number;
  private held: Buffer[] = [];
  private stopFollowing = () => {};
  private unregister = () => {};
  private readonly faults: HttpFaults;
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private readonly options: LogOptions;
  private ended = false;

  constructor(faults: HttpFaults, req: IncomingMessage, res: ServerResponse, options: LogOptions) {
    this.faults = faults;
    this.req = req;
    this.res = res;
    this.options = options;
    this.remaining = options.limitBytes ?? Number.POSITIVE_INFINITY;
  }

  start(log: NonNullable<ReturnType<LogSource["containerLog"]>>): void {
    this.unregister = this.faults.registerLogStream({ cut: () => this.cut(), resume: () => this.flushHeld() });
    this.res.on("close", () => this.cleanup());
    this.req.on("close", () => this.cleanup());
    const formatter = new EntryFormatter(this.options.timestamps, this.options.sinceNs);
    this.write(formatter.format(tailEntries(log.lines(), this.options.tailLines)));
    if (!this.options.follow || log.ended || this.remaining <= 0) {
      this.end();
      return;
    }
    this.stopFollowing = log.follow((line) => {
      this.write(formatter.format(logEntries(line)));
    }, () => this.end());
  }

  private write(text: string): void {
    if (this.ended || text === "" || this.remaining <= 0) return;
    let chunk = Buffer.from(text, "utf8");
    // limitBytes cuts at the byte, even inside a line, as the kubelet's limited writer does.
    if (chunk.length > this.remaining) chunk = chunk.subarray(0, this.remaining);
    this.remaining -= chunk.length;
    if (this.faults.logStreamsHung()) {
      this.held.push(chunk);
    } else {
      // Held text (if any) always goes before new text.
      this.flushHeld();
      this.res.write(chunk);
    }
    if (this.remaining <= 0) this.end();
  }

  private flushHeld(): void {
    if (this.held.length > 0 && !this.res.destroyed) this.res.write(Buffer.concat(this.held));
    this.held = [];
    if (this.ended && !this.res.writableEnded) this.res.end();
  }

  private end(): void {
    this.ended = true;
    this.stopFollowing();
    // A hung stream stays open and silent until the hang ends (resume flushes and ends it).
    if (!this.faults.logStreamsHung()) this.flushHeld();
  }

  private cut(): void {
    this.cleanup();
    this.res.socket?.destroy();
    this.res.destroy();
  }

  private cleanup(): void {
    this.stopFollowing();
    this.unregister();
  }
}
