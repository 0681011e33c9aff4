// The admin endpoint (admin token only): POST /_sim/faults to inject a fault, GET /_sim/requests
// for the request record, DELETE /_sim/requests to clear it. Faults the runtime owns (oomKill,
// evict, deletePod, conditionLag...) are passed through to the runtime's fault object.
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, notFound } from "../store/errors.ts";
import type { HttpFaults } from "./http-faults.ts";
import type { RequestRecord } from "../api/request-record.ts";
import { parseBody, readBody, sendJson } from "../api/http-util.ts";

export type RuntimeFaults = Record<string, unknown>;

export interface AdminContext {
  faults: HttpFaults;
  requests: RequestRecord;
  /** The runtime's fault functions, when a runtime is running. */
  runtimeFaults: () => RuntimeFaults | undefined;
}

type FaultBody = Record<string, unknown> & { fault?: unknown; args?: unknown };

function num(body: FaultBody, field: string, required = true): number | undefined {
  const value = body[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw badRequest(`fault ${String(body.fault)}: ${field} must be a number`);
  }
  return value;
}

function route(body: FaultBody): { method?: string; path?: string } {
  return { ...(typeof body.method === "string" ? { method: body.method } : {}),
    ...(typeof body.path === "string" ? { path: body.path } : {}) };
}

function limits(body: FaultBody): { count?: number; durationMs?: number } {
  const count = num(body, "count", false);
  const durationMs = num(body, "durationMs", false);
  return { ...(count !== undefined ? { count } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
}

/** Runs one fault described as JSON; returns what the fault returned (counts, etc.). */
export async function applyFault(context: AdminContext, body: FaultBody, afterResponse: (action: () => void) => void): Promise<unknown> {
  const { faults } = context;
  switch (body.fault) {
    case "cutLogStreams": return faults.cutLogStreams();
    case "cutLogStreamsEvery": return faults.cutLogStreamsEvery(num(body, "intervalMs") ?? 0);
    case "stopCuttingLogStreams": return faults.stopCuttingLogStreams();
    case "hangLogStreams": return faults.hangLogStreams(num(body, "durationMs") ?? 0);
    case "latency": return faults.addLatency({ ...route(body), ...limits(body), ms: num(body, "ms") ?? 0 });
    case "errors": {
      const retryAfterSeconds = num(body, "retryAfterSeconds", false);
      return faults.failRequests({ ...route(body), ...limits(body), code: num(body, "code") ?? 500,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
    }
    case "partition": return afterResponse(() => faults.partition(num(body, "durationMs") ?? 0));
    case "endWatches": return faults.endWatches({ expired: body.expired === true });
    case "restart": return afterResponse(() => void faults.restartServer());
    case "clear": return faults.clear();
    default: return runtimeFault(context, body);
  }
}

async function runtimeFault(context: AdminContext, body: FaultBody): Promise<unknown> {
  const name = typeof body.fault === "string" ? body.fault.replace(/^runtime\./, "") : "";
  const runtime = context.runtimeFaults();
  const fn = runtime?.[name];
  if (typeof fn !== "function") {
    throw badRequest(`unknown fault ${JSON.stringify(body.fault)}: use cutLogStreams, cutLogStreamsEvery, stopCuttingLogStreams, `
      + "hangLogStreams, latency, errors, partition, endWatches, restart, clear"
      + (runtime ? `, or a runtime fault: ${Object.keys(runtime).join(", ")}` : " (no runtime is running)"));
  }
  const args = Array.isArray(body.args) ? body.args : [body];
  return await (fn as (...a: unknown[]) => unknown).apply(runtime, args);
}

export async function handleAdmin(context: AdminContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  if (url.pathname === "/_sim/requests") {
    if (method === "DELETE") {
      context.requests.clear();
      return sendJson(res, 200, { cleared: true });
    }
    const q = url.searchParams;
    const query = {
      ...(q.get("verb") ? { verb: q.get("verb") ?? "" } : {}),
      ...(q.get("resource") ? { resource: q.get("resource") ?? "" } : {}),
      ...(q.get("namespace") ? { namespace: q.get("namespace") ?? "" } : {}),
      ...(q.get("user") ? { user: q.get("user") ?? "" } : {}),
    };
    return sendJson(res, 200, { requests: context.requests.find(query), derivedRules: context.requests.derivedRules(query) });
  }
  if (url.pathname === "/_sim/faults" && method === "POST") {
    const body = parseBody(req.headers["content-type"], await readBody(req)) as FaultBody | undefined;
    if (!body || typeof body !== "object") throw badRequest("POST /_sim/faults needs a JSON object like {\"fault\":\"cutLogStreams\"}");
    let pending: (() => void) | undefined;
    const result = await applyFault(context, body, (action) => { pending = action; });
    sendJson(res, 200, { ok: true, result: result ?? null });
    if (pending) res.once("finish", pending);
    return;
  }
  throw notFound({ group: "", version: "v1", resource: "_sim", kind: "Sim", namespaced: false }, url.pathname);
}
