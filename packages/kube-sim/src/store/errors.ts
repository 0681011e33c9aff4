// metav1.Status failures with the exact messages and shapes a real kube-apiserver sends, so a
// client's error handling is exercised by the same bytes it would see against a cluster.
import type { ResourceType, StatusBody } from "./types.ts";

/** An error that carries the Status body the API layer sends as the HTTP response. */
export class StatusError extends Error {
  readonly status: StatusBody;
  readonly code: number;

  constructor(status: StatusBody) {
    super(status.message);
    this.name = "StatusError";
    this.status = status;
    this.code = status.code;
  }
}

export function isStatusError(error: unknown): error is StatusError {
  return error instanceof StatusError;
}

export function isNotFound(error: unknown): boolean {
  return isStatusError(error) && error.code === 404;
}

export function statusFailure(code: number, reason: string, message: string,
  details?: Record<string, unknown>): StatusBody {
  // Field order as the real server writes it: details before code.
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message, reason, ...(details ? { details } : {}), code };
}

/** "jobs.batch" for grouped resources, "pods" for the core group. */
export function qualifiedResource(resource: Pick<ResourceType, "group" | "resource">): string {
  return resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
}

function resourceDetails(resource: ResourceType, name: string): Record<string, unknown> {
  return { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.resource };
}

export function notFound(resource: ResourceType, name: string): StatusError {
  return new StatusError(statusFailure(404, "NotFound", `${qualifiedResource(resource)} "${name}" not found`,
    resourceDetails(resource, name)));
}

export function namespaceNotFound(namespace: string): StatusError {
  return new StatusError(statusFailure(404, "NotFound", `namespaces "${namespace}" not found`,
    { name: namespace, kind: "namespaces" }));
}

export function alreadyExists(resource: ResourceType, name: string): StatusError {
  return new StatusError(statusFailure(409, "AlreadyExists", `${qualifiedResource(resource)} "${name}" already exists`,
    resourceDetails(resource, name)));
}

export function conflict(resource: ResourceType, name: string, why: string): StatusError {
  return new StatusError(statusFailure(409, "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${why}`,
    resourceDetails(resource, name)));
}

export const STALE_OBJECT_MESSAGE = "the object has been modified; please apply your changes to the latest version and try again";

export function staleConflict(resource: ResourceType, name: string): StatusError {
  return conflict(resource, name, STALE_OBJECT_MESSAGE);
}

export interface FieldCause {
  reason: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueTooLong" | "FieldValueNotSupported"
    | "FieldValueForbidden" | "FieldValueDuplicate";
  message: string;
  field: string;
}

/** 422: `Job.batch "x" is invalid: metadata.name: Invalid value: ...` with one cause per field. */
export function invalid(resource: ResourceType, name: string, causes: FieldCause[]): StatusError {
  const kindGroup = resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
  const parts = causes.map((cause) => `${cause.field}: ${cause.message}`);
  const joined = parts.length === 1 ? (parts[0] ?? "") : `[${parts.join(", ")}]`;
  return new StatusError(statusFailure(422, "Invalid", `${kindGroup} "${name}" is invalid: ${joined}`,
    { ...(name ? { name } : {}), ...(resource.group ? { group: resource.group } : {}), kind: resource.kind, causes }));
}

export function badRequest(message: string): StatusError {
  return new StatusError(statusFailure(400, "BadRequest", message));
}

export function expired(requested: number, oldest: number): StatusError {
  return new StatusError(statusFailure(410, "Expired", `too old resource version: ${requested} (${oldest})`));
}

/** etcd3's message for a list at a compacted revision (k8s.io/apiserver/pkg/storage/etcd3/errors.go). */
export const LIST_TOO_OLD = "The resourceVersion for the provided list is too old.";

/** 410 Expired with a message of its own (apimachinery's NewResourceExpired: no details). */
export function resourceExpired(message: string): StatusError {
  return new StatusError(statusFailure(410, "Expired", message));
}

/**
 * 504 for a read at a resourceVersion the server has not reached (storage.NewTooLargeResourceVersionError,
 * k8s.io/apiserver/pkg/storage/errors.go, built on apierrors.NewTimeoutError): "Timeout: " + message,
 * a ResourceVersionTooLarge cause and retryAfterSeconds (1 from the watch cache's resourceVersionTooHighRetrySeconds).
 */
export function tooLargeResourceVersion(requested: number, current: number): StatusError {
  return new StatusError(statusFailure(504, "Timeout", `Timeout: Too large resource version: ${requested}, current: ${current}`,
    { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 }));
}

export function forbidden(message: string, details: Record<string, unknown>): StatusError {
  return new StatusError(statusFailure(403, "Forbidden", message, details));
}

export function methodNotAllowed(message: string): StatusError {
  return new StatusError(statusFailure(405, "MethodNotAllowed", message));
}

export function internalError(message: string): StatusError {
  return new StatusError(statusFailure(500, "InternalError", message));
}
