// Sorts every error the Kubernetes client can throw into a small fixed set of kinds, once, where
// the call is made; callers decide what to do (retry, re-list, give up) from the kind alone.
// client-node 1.x throws ApiException whose `body` is the raw JSON text of a Status, plain
// Errors with `statusCode` from Watch, node-fetch FetchErrors for network failures and
// stream errors ("Premature close") when a connection is reset mid-stream.

export type KubeErrorKind =
  | "transient"
  | "gone"
  | "conflict"
  | "alreadyExists"
  | "forbidden"
  | "notFound"
  | "invalid"
  | "unauthorized"
  | "terminal"
  | "aborted";

export type KubeStatus = {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
};

export type KubeError = {
  kind: KubeErrorKind;
  code: number | null;
  reason: string | null;
  message: string;
  retryAfterMs: number | null;
  status: KubeStatus | null;
};

const NETWORK_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND",
  "EAI_AGAIN", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED",
]);
const NETWORK_MESSAGES = [/socket hang up/i, /premature close/i, /fetch failed/i, /other side closed/i];

type ErrorLike = {
  name?: unknown; message?: unknown; code?: unknown; errno?: unknown; type?: unknown;
  statusCode?: unknown; body?: unknown; headers?: unknown; cause?: unknown;
};

/** Classifies anything thrown by a Kubernetes call (or a watch's done callback). */
export function classifyKubeError(error: unknown): KubeError {
  const like: ErrorLike = error !== null && typeof error === "object" ? (error as ErrorLike) : {};
  const text = messageOf(error);
  if (isAbort(like)) return plain("aborted", `request aborted: ${text}`);
  const httpCode = httpCodeOf(like);
  if (httpCode !== null) return fromHttp(httpCode, like, text);
  if (isNetworkError(like, text, 0)) return plain("transient", `API server unreachable: ${text}`);
  return plain("terminal", text);
}

/** Classifies a Status object, e.g. the `object` of a watch ERROR event. */
export function classifyStatus(status: unknown): KubeError {
  const parsed = parseStatus(status);
  const code = typeof parsed?.code === "number" ? parsed.code : null;
  if (parsed === null || code === null) return plain("terminal", `not a Status: ${messageOf(status)}`);
  return fromHttp(code, { body: parsed }, parsed.message ?? "");
}

/** An Error wrapping a Status (a watch ERROR event) so it can be thrown and classified like an ApiException. */
export class StatusError extends Error {
  readonly statusCode: number | null;
  readonly body: unknown;
  constructor(status: unknown) {
    const parsed = parseStatus(status);
    super(parsed?.message ?? "watch ERROR event");
    this.name = "StatusError";
    this.statusCode = typeof parsed?.code === "number" ? parsed.code : null;
    this.body = parsed ?? status;
  }
}

/** Parses a Status from an ApiException body (JSON text or an object); null when it is not one. */
export function parseStatus(body: unknown): KubeStatus | null {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (value === null || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  if (record.kind !== "Status" && typeof record.reason !== "string" && typeof record.message !== "string") return null;
  return record as KubeStatus;
}

/** Retry-After in ms from a header value (seconds or an HTTP date); null if absent or malformed. */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | null {
  if (Array.isArray(value)) return parseRetryAfter(value[0], nowMs);
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function fromHttp(code: number, like: ErrorLike, text: string): KubeError {
  const status = parseStatus(like.body);
  const reason = typeof status?.reason === "string" && status.reason !== "" ? status.reason : null;
  const retryAfterMs = parseRetryAfter(headerOf(like.headers, "retry-after"));
  const kind = kindOfHttp(code, reason);
  const what = status?.message ?? (typeof like.body === "string" && like.body.length > 0 && like.body.length < 300 ? like.body : text);
  const message = `${oneLine(what)} (${code}${reason ? ` ${reason}` : ""})`;
  return { kind, code, reason, message, retryAfterMs: kind === "transient" ? retryAfterMs : null, status };
}

function kindOfHttp(code: number, reason: string | null): KubeErrorKind {
  if (code === 429 || code >= 500) return "transient";
  if (code === 410) return "gone";
  if (code === 409) return reason === "AlreadyExists" ? "alreadyExists" : "conflict";
  if (code === 404) return "notFound";
  if (code === 403) return "forbidden";
  if (code === 401) return "unauthorized";
  if (code === 422 || code === 400) return "invalid";
  if (code === 408) return "transient";
  return "terminal";
}

function httpCodeOf(like: ErrorLike): number | null {
  // ApiException carries `code` as a number; network errors carry string codes.
  if (typeof like.code === "number" && like.code >= 100 && like.code < 600) return like.code;
  if (typeof like.statusCode === "number" && like.statusCode >= 100 && like.statusCode < 600) return like.statusCode;
  return null;
}

function isAbort(like: ErrorLike): boolean {
  return like.name === "AbortError" || like.type === "aborted" || like.code === "ABORT_ERR";
}

function isNetworkError(like: ErrorLike, text: string, depth: number): boolean {
  if (typeof like.code === "string" && NETWORK_CODES.has(like.code)) return true;
  if (typeof like.errno === "string" && NETWORK_CODES.has(like.errno)) return true;
  if (like.name === "FetchError" && (like.type === "system" || like.type === "request-timeout" || like.type === "body-timeout")) return true;
  if (like.name === "TimeoutError") return true;
  if (NETWORK_MESSAGES.some((pattern) => pattern.test(text))) return true;
  if (depth < 3 && like.cause !== null && typeof like.cause === "object") {
    return isNetworkError(like.cause as ErrorLike, messageOf(like.cause), depth + 1);
  }
  return false;
}

function headerOf(headers: unknown, name: string): unknown {
  if (headers === null || typeof headers !== "object") return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): unknown }).get(name);
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    // ApiException's message embeds the whole body and headers: keep only the first line.
    return oneLine(error.message.split("\n")[0] ?? error.message) || error.name;
  }
  if (typeof error === "string") return oneLine(error);
  try {
    return oneLine(JSON.stringify(error) ?? String(error));
  } catch {
    return String(error);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function plain(kind: KubeErrorKind, message: string): KubeError {
  return { kind, code: null, reason: null, message, retryAfterMs: null, status: null };
}

/** An Error that says it was aborted; what withRetry and watchResources reject with on abort. */
export class KubeAbortError extends Error {
  constructor(message = "operation aborted") {
    super(message);
    this.name = "AbortError";
  }
}

export function isTransient(error: unknown): boolean { return classifyKubeError(error).kind === "transient"; }
export function isNotFound(error: unknown): boolean { return classifyKubeError(error).kind === "notFound"; }
export function isGone(error: unknown): boolean { return classifyKubeError(error).kind === "gone"; }
export function isConflict(error: unknown): boolean { return classifyKubeError(error).kind === "conflict"; }
export function isAlreadyExists(error: unknown): boolean { return classifyKubeError(error).kind === "alreadyExists"; }
export function isForbidden(error: unknown): boolean { return classifyKubeError(error).kind === "forbidden"; }
export function isUnauthorized(error: unknown): boolean { return classifyKubeError(error).kind === "unauthorized"; }
export function isInvalid(error: unknown): boolean { return classifyKubeError(error).kind === "invalid"; }
export function isAborted(error: unknown): boolean { return classifyKubeError(error).kind === "aborted"; }
