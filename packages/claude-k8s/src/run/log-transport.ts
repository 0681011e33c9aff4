// One request for a container's log, with a RELIABLE end. client-node's Log.log gives neither end
// nor error when the server drops a follow connection, so the request is made here with node:http
// (or node:https) and the KubeConfig's URL, headers and TLS settings. The body is an async
// iterable of byte chunks: it returns normally only when the response really completed (or the
// signal aborted: cancellation is not failure), and throws a LogTransportError otherwise.
import http from "node:http";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseStatus } from "../kube/errors.ts";

export type LogRequest = {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  /** RFC3339; the server truncates it to whole seconds. null = from the start of the log. */
  sinceTime: string | null;
};

export interface LogTransport {
  /** Resolves once the response headers are in; rejects with LogTransportError for non-200. */
  open(request: LogRequest, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

/** Carries what classifyKubeError reads: `statusCode` + `body` for HTTP, `code` for network errors. */
export class LogTransportError extends Error {
  readonly statusCode: number | null;
  readonly body: unknown;
  readonly code: string | undefined;
  constructor(message: string, details: { statusCode?: number; body?: unknown; code?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "LogTransportError";
    this.statusCode = details.statusCode ?? null;
    this.body = details.body;
    this.code = details.code;
  }
}

/** The API path of the log request (always with timestamps: the cursor needs them). */
export function logPath(request: LogRequest): string {
  const query = new URLSearchParams({ container: request.container, timestamps: "true" });
  if (request.follow) query.set("follow", "true");
  if (request.sinceTime !== null) query.set("sinceTime", request.sinceTime);
  const ns = encodeURIComponent(request.namespace);
  return `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(request.pod)}/log?${query.toString()}`;
}

/** A transport that talks to the current cluster of `kubeConfig`. */
export function createHttpLogTransport(kubeConfig: KubeConfig): LogTransport {
  return { open: (request, signal) => openLog(kubeConfig, request, signal) };
}

async function openLog(kubeConfig: KubeConfig, request: LogRequest, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new LogTransportError("kubeconfig has no current cluster: set current-context to a context with a cluster");
  const base = new URL(cluster.server);
  const options: https.RequestOptions = { method: "GET", headers: { Accept: "*/*" } };
  await kubeConfig.applyToHTTPSOptions(options);
  const isHttps = base.protocol === "https:";
  // applyToHTTPSOptions sets an https.Agent; plain http (test servers, kubectl proxy) needs none.
  if (!isHttps) delete options.agent;
  const url = new URL(base.pathname.replace(/\/$/, "") + logPath(request), base);
  if (signal.aborted) return emptyBody();
  const response = await sendRequest(isHttps ? https : http, url, options, signal);
  if (response === null) return emptyBody();
  if (response.res.statusCode !== 200) throw await httpError(response.res, request);
  return readBody(response.req, response.res, signal);
}

type Sent = { req: http.ClientRequest; res: IncomingMessage };

function sendRequest(client: typeof http | typeof https, url: URL, options: https.RequestOptions,
  signal: AbortSignal): Promise<Sent | null> {
  return new Promise((resolve, reject) => {
    const req = client.request(url, options);
    const onAbort = () => {
      req.destroy();
      resolve(null);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    req.once("response", (res) => {
      signal.removeEventListener("abort", onAbort);
      // Later failures surface through the body; a stray request error must not go unhandled.
      req.on("error", () => {});
      resolve({ req, res });
    });
    req.once("error", (error: NodeJS.ErrnoException) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) resolve(null);
      else reject(networkError(error, url));
    });
    req.end();
  });
}

async function* readBody(req: http.ClientRequest, res: IncomingMessage, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const onAbort = () => req.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal.aborted) return;
    try {
      for await (const chunk of res) yield chunk as Uint8Array;
    } catch (error) {
      if (signal.aborted) return;
      throw networkError(error as NodeJS.ErrnoException, null);
    }
    if (signal.aborted) return;
    // `close` without `end`: the connection dropped; this is not the container ending.
    if (!res.complete) throw new LogTransportError("log stream closed before its end (connection dropped)", { code: "ECONNRESET" });
  } finally {
    signal.removeEventListener("abort", onAbort);
    req.destroy();
  }
}

async function httpError(res: IncomingMessage, request: LogRequest): Promise<LogTransportError> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch {
    // The status code is what matters; a body cut short only loses the message.
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const code = res.statusCode ?? 0;
  const status = parseStatus(text);
  const what = `log of ${request.namespace}/${request.pod} container ${request.container}`;
  if (code === 204) return new LogTransportError(`no log yet for ${what}: the pod is not scheduled (204)`, { statusCode: 204, body: text });
  const message = status?.message ?? (text.trim().slice(0, 300) || res.statusMessage || "no body");
  return new LogTransportError(`GET ${what} failed with HTTP ${code}: ${message}`, { statusCode: code, body: status ?? text });
}

function networkError(error: NodeJS.ErrnoException, url: URL | null): LogTransportError {
  const where = url === null ? "log stream" : `log request to ${url.host}`;
  if (isCertificateError(error)) {
    // Not transient: a server the kubeconfig's CA does not vouch for stays untrusted on retry.
    return new LogTransportError(`${where} failed TLS verification: the server's certificate is not trusted by the `
      + `kubeconfig's certificate-authority (${error.message}, ${error.code ?? "no code"})`, { code: error.code ?? "ERR_TLS_CERT", cause: error });
  }
  return new LogTransportError(`${where} failed: ${error.message}`, { code: error.code ?? "ECONNRESET", cause: error });
}

/** Node's certificate verification failures (OpenSSL's X509_V_ERR names, or ERR_TLS_CERT_ALTNAME_INVALID). */
function isCertificateError(error: NodeJS.ErrnoException): boolean {
  return typeof error.code === "string" && /CERT|SELF_SIGNED|VERIFY|ISSUER/.test(error.code);
}

// eslint-disable-next-line require-yield -- an aborted open yields nothing and ends.
async function* emptyBody(): AsyncGenerator<Uint8Array> {
  return;
}
