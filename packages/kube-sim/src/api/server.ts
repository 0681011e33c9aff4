// kube-sim's API server: authentication, RBAC, discovery, resource verbs, watches, pod logs,
// HTTP faults and the request record, over HTTPS (or plain HTTP). Listens on 127.0.0.1 only.
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { methodNotAllowed } from "../store/errors.ts";
import { PODS } from "../store/resources.ts";
import type { Store } from "../store/types.ts";
import type { LogSource } from "../kubelet/log-types.ts";
import { handleAdmin } from "../faults/admin.ts";
import type { RuntimeFaults } from "../faults/admin.ts";
import type { HttpFaults } from "../faults/http-faults.ts";
import { apiGroupList, apiResourceList, apiVersions, SIM_VERSION } from "./discovery.ts";
import {
  handleCreate, handleDelete, handleDeleteCollection, handleGet, handleList, handlePatch, handleUpdate,
} from "./handlers.ts";
import type { ResourceCall } from "./handlers.ts";
import { routeNotFound, sendError, sendJson, sendStatus, unauthorized } from "./http-util.ts";
import { serveLog } from "./logs.ts";
import { openApiDocument } from "./openapi.ts";
import { allows, forbiddenError, isAdmin } from "./rbac.ts";
import type { Subject, TokenTable } from "./rbac.ts";
import { parseRequestInfo } from "./request-info.ts";
import type { RequestInfo, ResourceRequest } from "./request-info.ts";
import type { RequestRecord } from "./request-record.ts";
import { serveWatch } from "./watch.ts";

export interface ApiServerOptions {
  store: Store;
  tokens: TokenTable;
  faults: HttpFaults;
  requests: RequestRecord;
  /** Read on every log request, so a runtime can be wired in after the server starts. */
  logSource: () => LogSource;
  runtimeFaults?: () => RuntimeFaults | undefined;
  port?: number;
  bookmarkIntervalMs?: number;
  /**
   * Who a request without a token is (the real server's anonymous auth). kubectl does not send
   * bearer tokens over plain HTTP, so `kube-sim serve --http` answers it as an anonymous admin.
   */
  anonymous?: Subject;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP when absent. */
  tls?: { certPem: string; keyPem: string };
}

const PUBLIC_PATHS = new Set(["/version", "/healthz", "/readyz", "/livez"]);

export class ApiServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private port: number;
  private readonly options: ApiServerOptions;

  constructor(options: ApiServerOptions) {
    this.options = options;
    this.port = options.port ?? 0;
    options.faults.attach({
      restart: () => this.restart(),
      setRefusingConnections: (refusing) => this.setRefusingConnections(refusing),
    });
  }

  get url(): string {
    return `${this.options.tls ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const tls = this.options.tls;
    const server = tls ? createTlsServer({ cert: tls.certPem, key: tls.keyPem }, handler) : createServer(handler);
    server.on("connection", (socket) => {
      if (this.refusing) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the listener and destroys every connection (watches, log streams, keep-alive). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Drops every connection and listens again on the same port; the store is untouched. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  setRefusingConnections(refusing: boolean): void {
    this.refusing = refusing;
    if (!refusing) return;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const info = parseRequestInfo(method, url);
    let subject: Subject | undefined;
    res.once("close", () => this.record(req, res, info, url, subject, started));
    try {
      const decision = this.options.faults.decide(method, url.pathname + url.search);
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      if (decision.failure) return sendStatus(res, decision.failure.status, decision.failure.headers);
      if (PUBLIC_PATHS.has(url.pathname)) return this.servePublic(res, url.pathname);
      subject = this.options.tokens.lookup(req.headers.authorization)
        ?? (req.headers.authorization === undefined ? this.options.anonymous : undefined);
      if (!subject) throw unauthorized();
      if (url.pathname.startsWith("/_sim/")) return await this.serveAdmin(req, res, url, subject);
      if (info.kind === "nonResource") return this.serveDiscovery(req, res, url);
      await this.serveResource(req, res, url, info, subject);
    } catch (error) {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    }
  }

  private servePublic(res: ServerResponse, path: string): void {
    if (path === "/version") return sendJson(res, 200, SIM_VERSION);
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("ok");
  }

  private async serveAdmin(req: IncomingMessage, res: ServerResponse, url: URL, subject: Subject): Promise<void> {
    if (!isAdmin(subject)) throw forbiddenError(subject, { verb: (req.method ?? "get").toLowerCase(), group: "", resource: url.pathname });
    await handleAdmin({ faults: this.options.faults, requests: this.options.requests,
      runtimeFaults: this.options.runtimeFaults ?? (() => undefined) }, req, res, url);
  }

  private serveDiscovery(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const parts = url.pathname.split("/").filter((p) => p !== "");
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    if (parts.length === 1 && parts[0] === "api") return sendJson(res, 200, apiVersions(host));
    if (parts.length === 1 && parts[0] === "apis") return sendJson(res, 200, apiGroupList());
    const list = parts[0] === "api" && parts.length === 2 ? apiResourceList("", parts[1] ?? "")
      : parts[0] === "apis" && parts.length === 3 ? apiResourceList(parts[1] ?? "", parts[2] ?? "") : undefined;
    if (list) return sendJson(res, 200, list);
    const openApi = url.pathname.startsWith("/openapi/v3") ? openApiDocument(url.pathname) : undefined;
    if (openApi) return sendJson(res, 200, openApi);
    throw routeNotFound();
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, info: ResourceRequest,
    subject: Subject): Promise<void> {
    const resource = info.resource;
    if (!resource) throw routeNotFound();
    const attributes = { verb: info.verb, group: info.group, resource: info.resourceName,
      ...(info.subresource ? { subresource: info.subresource } : {}),
      ...(info.namespace !== undefined && resource.namespaced ? { namespace: info.namespace } : {}),
      ...(info.name !== undefined ? { name: info.name } : {}) };
    if (!isSelfReview(attributes) && !allows(subject, attributes)) throw forbiddenError(subject, attributes);
    if (info.subresource && !resource.subresources.includes(info.subresource)) throw routeNotFound();
    const call: ResourceCall = { req, res, url, info, resource, subject };
    const context = { store: this.options.store };
    if (info.subresource === "log" && resource === PODS) {
      if (info.verb !== "get") throw methodNotAllowed("pods/log only answers GET");
      return serveLog({ store: this.options.store, faults: this.options.faults, logSource: this.options.logSource },
        req, res, url, info.namespace ?? "default", info.name ?? "");
    }
    switch (info.verb) {
      case "get": return handleGet(context, call);
      case "list": return handleList(context, call);
      case "watch": return serveWatch({ store: this.options.store, faults: this.options.faults,
        bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 1000 }, req, res, url, resource,
      resource.namespaced ? info.namespace : undefined);
      case "create": return handleCreate(context, call);
      case "update": return handleUpdate(context, call);
      case "patch": return handlePatch(context, call);
      case "delete": return handleDelete(context, call);
      case "deletecollection": return handleDeleteCollection(context, call);
    }
  }

  private record(req: IncomingMessage, res: ServerResponse, info: RequestInfo, url: URL,
    subject: Subject | undefined, started: number): void {
    const resourceInfo = info.kind === "resource" ? info : undefined;
    this.options.requests.add({
      time: Date.now() - Math.round(performance.now() - started), method: req.method ?? "GET", path: url.pathname + url.search,
      user: subject?.user, verb: info.verb,
      ...(resourceInfo ? { group: resourceInfo.group, resource: resourceInfo.resourceName } : {}),
      ...(resourceInfo?.subresource ? { subresource: resourceInfo.subresource } : {}),
      ...(resourceInfo?.namespace !== undefined ? { namespace: resourceInfo.namespace } : {}),
      ...(resourceInfo?.name !== undefined ? { name: resourceInfo.name } : {}),
      code: res.headersSent ? res.statusCode : 0, durationMs: performance.now() - started,
    });
  }
}

/**
 * Every authenticated user may ask what it may do: a real cluster grants this through the
 * system:basic-user ClusterRole, so limited tokens (e.g. from deploy/rbac.yaml) need no rule for it.
 */
function isSelfReview(attributes: { verb: string; group: string; resource: string }): boolean {
  return attributes.verb === "create" && attributes.group === "authorization.k8s.io"
    && (attributes.resource === "selfsubjectaccessreviews" || attributes.resource === "selfsubjectrulesreviews");
}
