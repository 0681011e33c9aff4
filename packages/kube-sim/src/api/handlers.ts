// Resource verbs over HTTP: get, list, create, update, patch, delete, deletecollection, the
// status subresource, pod eviction and SelfSubjectAccessReview.
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, invalid, methodNotAllowed, StatusError, statusFailure } from "../store/errors.ts";
import { apiVersionOf, PODS, SELF_SUBJECT_ACCESS_REVIEWS } from "../store/resources.ts";
import type { ResourceDefinition } from "../store/resources.ts";
import type { DeleteOptions, KubeObject, PropagationPolicy, Store } from "../store/types.ts";
import { parseBody, queryInt, readBody, sendJson } from "./http-util.ts";
import { listVersionOptions, waitForVersion } from "./list-versions.ts";
import { applyPatch, patchTypeOf } from "./patch.ts";
import { allows } from "./rbac.ts";
import type { Subject } from "./rbac.ts";
import type { ResourceRequest } from "./request-info.ts";
import { toTable, wantsTable } from "./table.ts";

export interface HandlerContext {
  store: Store & { dryRun?: <T>(write: () => T) => T };
}

/** `dryRun=All`: the store answers as if it wrote, and writes nothing. */
function maybeDry<T>(context: HandlerContext, call: ResourceCall, write: () => T): T {
  const dry = call.url.searchParams.getAll("dryRun").includes("All");
  return dry && context.store.dryRun ? context.store.dryRun(write) : write();
}

export interface ResourceCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: ResourceRequest;
  resource: ResourceDefinition;
  subject: Subject;
}

async function bodyObject(call: ResourceCall): Promise<Record<string, unknown>> {
  const body = parseBody(call.req.headers["content-type"], await readBody(call.req));
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest(`the request body for ${call.info.verb} ${call.info.resourceName} must be a JSON object`);
  }
  return body as Record<string, unknown>;
}

function asObject(body: Record<string, unknown>): KubeObject {
  if (typeof body.metadata !== "object" || body.metadata === null) body.metadata = {};
  return body as KubeObject;
}

/** A List as the real server writes it: its items carry no kind or apiVersion (only the List does). */
function listBody(resource: ResourceDefinition, items: KubeObject[], resourceVersion: string, next?: string): unknown {
  const bare = items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
  return { kind: resource.listKind, apiVersion: apiVersionOf(resource),
    metadata: { resourceVersion, ...(next ? { continue: next } : {}) }, items: bare };
}

/** Aborts when the client goes away before it has been answered. */
function clientGone(call: ResourceCall): AbortSignal {
  const controller = new AbortController();
  const onClose = () => controller.abort();
  call.res.once("close", onClose);
  return controller.signal;
}

function answerObject(call: ResourceCall, code: number, object: KubeObject): void {
  if (wantsTable(call.req.headers.accept)) sendJson(call.res, code, toTable(call.resource, [object], object.metadata.resourceVersion ?? ""));
  else sendJson(call.res, code, object);
}

export function handleGet(context: HandlerContext, call: ResourceCall): void {
  answerObject(call, 200, context.store.get(call.resource, call.info.namespace, call.info.name ?? ""));
}

export async function handleList(context: HandlerContext, call: ResourceCall): Promise<void> {
  const query = call.url.searchParams;
  const limit = queryInt(query, "limit");
  const versions = listVersionOptions(query);
  if (versions.resourceVersion !== undefined) await waitForVersion(context.store, versions.resourceVersion, clientGone(call));
  const result = context.store.list(call.resource, call.info.namespace, {
    ...versions,
    ...(query.get("labelSelector") ? { labelSelector: query.get("labelSelector") ?? "" } : {}),
    ...(query.get("fieldSelector") ? { fieldSelector: query.get("fieldSelector") ?? "" } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(query.get("continue") ? { continue: query.get("continue") ?? "" } : {}),
  });
  if (wantsTable(call.req.headers.accept)) {
    const table = toTable(call.resource, result.items, result.resourceVersion) as { metadata: Record<string, unknown> };
    if (result.continue) table.metadata.continue = result.continue;
    sendJson(call.res, 200, table);
  } else sendJson(call.res, 200, listBody(call.resource, result.items, result.resourceVersion, result.continue));
}

function placeNamespace(call: ResourceCall, object: KubeObject): void {
  const fromUrl = call.info.namespace;
  if (!call.resource.namespaced || fromUrl === undefined) return;
  if (object.metadata.namespace && object.metadata.namespace !== fromUrl) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  object.metadata.namespace = fromUrl;
}

export async function handleCreate(context: HandlerContext, call: ResourceCall): Promise<void> {
  if (call.resource === SELF_SUBJECT_ACCESS_REVIEWS) return handleAccessReview(call);
  if (call.info.subresource === "eviction" && call.resource === PODS) return handleEviction(context, call);
  if (call.info.name !== undefined) throw methodNotAllowed(`POST is not supported on ${call.info.resourceName}/${call.info.name}: post to the collection`);
  const object = asObject(await bodyObject(call));
  placeNamespace(call, object);
  answerObject(call, 201, maybeDry(context, call, () => context.store.create(call.resource, object)));
}

export async function handleUpdate(context: HandlerContext, call: ResourceCall): Promise<void> {
  const object = asObject(await bodyObject(call));
  placeNamespace(call, object);
  if (object.metadata.name !== undefined && object.metadata.name !== call.info.name) {
    throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${call.info.name})`);
  }
  object.metadata.name = call.info.name;
  const options = call.info.subresource === "status" ? { subresource: "status" as const } : {};
  sendJson(call.res, 200, maybeDry(context, call, () => context.store.update(call.resource, object, options)));
}

export async function handlePatch(context: HandlerContext, call: ResourceCall): Promise<void> {
  const contentType = call.req.headers["content-type"];
  const patchType = patchTypeOf(contentType);
  if (!patchType) {
    throw new StatusError(statusFailure(415, "UnsupportedMediaType", `the body of the request was in an unknown format (${contentType ?? "none"}) `
      + "- accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"));
  }
  const patch = parsePatch(patchType, (await readBody(call.req)).toString("utf8"));
  const current = context.store.get(call.resource, call.info.namespace, call.info.name ?? "");
  const patched = asObject(applyPatch(patchType, current, patch) as Record<string, unknown>);
  patched.metadata.name = current.metadata.name;
  patched.metadata.namespace = current.metadata.namespace;
  const options = call.info.subresource === "status" ? { subresource: "status" as const } : {};
  sendJson(call.res, 200, maybeDry(context, call, () => context.store.update(call.resource, patched, options)));
}

/** A patch that is not JSON is the client's error: 400, worded as the real patch handlers word it. */
function parsePatch(type: string, text: string): unknown {
  try {
    return JSON.parse(text || "null") as unknown;
  } catch (error) {
    throw badRequest(type === "merge" ? "Invalid JSON Patch" : (error as Error).message);
  }
}

const POLICIES = new Set(["Orphan", "Background", "Foreground"]);

/** 422 for a DeleteOptions the server rejects before looking the object up. */
function invalidDeleteOptions(policy: unknown): StatusError {
  const message = `Unsupported value: ${JSON.stringify(String(policy))}: supported values: "Foreground", "Background", "Orphan", "nil"`;
  return new StatusError(statusFailure(422, "Invalid", `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: ${message}`,
    { group: "meta.k8s.io", kind: "DeleteOptions", causes: [{ reason: "FieldValueNotSupported", message, field: "propagationPolicy" }] }));
}

async function deleteOptionsOf(call: ResourceCall): Promise<DeleteOptions> {
  const body = parseBody(call.req.headers["content-type"], await readBody(call.req)) as Record<string, unknown> | undefined;
  const query = call.url.searchParams;
  const policy = body?.propagationPolicy ?? query.get("propagationPolicy")
    ?? (body?.orphanDependents === true || query.get("orphanDependents") === "true" ? "Orphan" : undefined);
  if (policy !== undefined && policy !== null && !POLICIES.has(String(policy))) {
    throw invalidDeleteOptions(policy);
  }
  const grace = body?.gracePeriodSeconds ?? queryInt(query, "gracePeriodSeconds");
  const preconditions = body?.preconditions as DeleteOptions["preconditions"] | undefined;
  return {
    ...(policy ? { propagationPolicy: policy as PropagationPolicy } : {}),
    ...(typeof grace === "number" ? { gracePeriodSeconds: grace } : {}),
    ...(preconditions ? { preconditions } : {}),
  };
}

export async function handleDelete(context: HandlerContext, call: ResourceCall): Promise<void> {
  const options = await deleteOptionsOf(call);
  const { namespace, name = "" } = call.info;
  const answer = maybeDry(context, call, () => context.store.delete(call.resource, namespace, name, options));
  const policy = options.propagationPolicy ?? call.resource.defaultPropagation;
  if (call.url.searchParams.getAll("dryRun").includes("All")) return sendJson(call.res, 200, answer);
  const stillThere = context.store.tryGet(call.resource, namespace, name)?.metadata.uid === answer.metadata.uid;
  if (policy !== "Background") return sendJson(call.res, 200, answer);
  if (stillThere) return sendJson(call.res, 202, answer);
  // Pods answer the deleted object; other resources a Success Status naming what was deleted.
  if (call.resource === PODS) return sendJson(call.res, 200, answer);
  sendJson(call.res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success",
    details: { name, ...(call.resource.group ? { group: call.resource.group } : {}), kind: call.resource.resource, uid: answer.metadata.uid } });
}

export async function handleDeleteCollection(context: HandlerContext, call: ResourceCall): Promise<void> {
  const options = await deleteOptionsOf(call);
  const query = call.url.searchParams;
  const matching = context.store.list(call.resource, call.info.namespace, {
    ...(query.get("labelSelector") ? { labelSelector: query.get("labelSelector") ?? "" } : {}),
    ...(query.get("fieldSelector") ? { fieldSelector: query.get("fieldSelector") ?? "" } : {}),
  });
  const deleted = matching.items.map((o) => context.store.delete(call.resource, o.metadata.namespace, o.metadata.name ?? "", options));
  sendJson(call.res, 200, listBody(call.resource, deleted, String(context.store.currentResourceVersion())));
}

/** POST pods/NAME/eviction: DisruptionTarget condition, then a Background delete; 201 Success. */
async function handleEviction(context: HandlerContext, call: ResourceCall): Promise<void> {
  const body = await bodyObject(call);
  const { namespace, name = "" } = call.info;
  const named = (body.metadata as { name?: unknown } | undefined)?.name;
  if (named !== undefined && named !== name) throw badRequest("name in URL does not match name in Eviction object");
  context.store.mutate(PODS, namespace, name, (pod) => {
    const status = (pod.status ??= {}) as { conditions?: unknown[] };
    status.conditions = [...(status.conditions ?? []).filter((c) => (c as { type?: string }).type !== "DisruptionTarget"),
      { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI",
        message: "Eviction API: evicting", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }];
  });
  const deleteOptions = (body.deleteOptions ?? {}) as DeleteOptions;
  context.store.delete(PODS, namespace, name, { ...deleteOptions, propagationPolicy: deleteOptions.propagationPolicy ?? "Background" });
  sendJson(call.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

/** SelfSubjectAccessReview: answered from the caller's own rules; 201 with status.allowed. */
async function handleAccessReview(call: ResourceCall): Promise<void> {
  const review = await bodyObject(call);
  const spec = (review.spec ?? {}) as { resourceAttributes?: Record<string, string>; nonResourceAttributes?: unknown };
  const attributes = spec.resourceAttributes;
  if (attributes === undefined && spec.nonResourceAttributes === undefined) {
    throw invalid(SELF_SUBJECT_ACCESS_REVIEWS, "", [{ reason: "FieldValueRequired", field: "spec.resourceAttributes",
      message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified" }]);
  }
  const allowed = attributes === undefined ? true : allows(call.subject, {
    verb: attributes.verb ?? "", group: attributes.group ?? "", resource: attributes.resource ?? "",
    ...(attributes.subresource ? { subresource: attributes.subresource } : {}),
    ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
    ...(attributes.name ? { name: attributes.name } : {}),
  });
  sendJson(call.res, 201, {
    kind: "SelfSubjectAccessReview", apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null }, spec,
    status: allowed ? { allowed: true, reason: `kube-sim: allowed by the rules of user "${call.subject.user}"` } : { allowed: false },
  });
}
