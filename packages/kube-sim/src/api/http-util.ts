// Small helpers for answering HTTP requests the way kube-apiserver does.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { StatusError, statusFailure } from "../store/errors.ts";
import type { StatusBody } from "../store/types.ts";
import { decodeKubeProtobuf } from "./protobuf.ts";

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: StatusBody, headers: Record<string, string> = {}): void {
  sendJson(res, status.code, status, headers);
}

/** Answers any thrown error: StatusErrors as themselves, anything else as a 500 Status. */
export function sendError(res: ServerResponse, error: unknown): void {
  // As the real server's ErrorNegotiated: a Status that suggests a retry delay also says so in Retry-After.
  const retryAfter = error instanceof StatusError ? error.status.details?.retryAfterSeconds : undefined;
  if (error instanceof StatusError) sendStatus(res, error.status, typeof retryAfter === "number" && retryAfter > 0 ? { "Retry-After": String(retryAfter) } : {});
  else sendStatus(res, statusFailure(500, "InternalError", `kube-sim internal error: ${String(error)}`));
}

export function unauthorized(): StatusError {
  return new StatusError(statusFailure(401, "Unauthorized", "Unauthorized"));
}

export function routeNotFound(): StatusError {
  return new StatusError(statusFailure(404, "NotFound", "the server could not find the requested resource", {}));
}

export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(statusFailure(415, "UnsupportedMediaType",
    `the body of the request was in an unknown format (${contentType}) - accepted media types include: `
    + "application/json, application/yaml, application/vnd.kubernetes.protobuf"));
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new StatusError(statusFailure(413, "RequestEntityTooLarge", "the request body is larger than kube-sim's 8 MiB limit"));
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON (or YAML) request body, or the protobuf of the few kinds kubectl's typed commands send. */
export function parseBody(contentType: string | undefined, body: Buffer): unknown {
  const type = (contentType ?? "application/json").split(";")[0]?.trim() ?? "";
  if (body.length === 0) return undefined;
  if (type === "application/vnd.kubernetes.protobuf") return decodeKubeProtobuf(body);
  if (type.includes("protobuf")) throw unsupportedMediaType(type);
  const text = body.toString("utf8");
  try {
    return type.includes("yaml") ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new StatusError(statusFailure(400, "BadRequest",
      `the request body is not valid ${type.includes("yaml") ? "YAML" : "JSON"}: ${(error as Error).message}`));
  }
}

export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === "true" || value === "1";
}

export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) {
    throw new StatusError(statusFailure(400, "BadRequest", `${name}: invalid integer value ${JSON.stringify(value)}`));
  }
  return parsed;
}
