// Turns a request path and method into what RBAC and the handlers need to know, the way the
// real API server's RequestInfoFactory does.
import { findResource } from "../store/resources.ts";
import type { ResourceDefinition } from "../store/resources.ts";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export interface ResourceRequest {
  kind: "resource";
  verb: Verb;
  group: string;
  version: string;
  /** The resource plural as named in the path (may be unknown to kube-sim). */
  resourceName: string;
  resource: ResourceDefinition | undefined;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface NonResourceRequest {
  kind: "nonResource";
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

function verbOf(method: string, hasName: boolean, query: URLSearchParams): Verb | undefined {
  switch (method) {
    case "GET": case "HEAD": {
      if (query.get("watch") === "true" || query.get("watch") === "1") return "watch";
      return hasName ? "get" : "list";
    }
    case "POST": return "create";
    case "PUT": return "update";
    case "PATCH": return "patch";
    case "DELETE": return hasName ? "delete" : "deletecollection";
    default: return undefined;
  }
}

export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1] ?? "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1] ?? "";
    version = parts[2] ?? "";
    rest = parts.slice(3);
  } else {
    return { kind: "nonResource", verb: method.toLowerCase(), path: url.pathname };
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? "")) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resourceName = "", name, subresource] = rest;
  if (rest.length > 3) return { kind: "nonResource", verb: method.toLowerCase(), path: url.pathname };
  const verb = verbOf(method, name !== undefined, url.searchParams);
  if (verb === undefined) return { kind: "nonResource", verb: method.toLowerCase(), path: url.pathname };
  const resource = findResource(group, version, resourceName);
  const info: ResourceRequest = { kind: "resource", verb, group, version, resourceName, resource };
  if (resourceName === "namespaces" && name !== undefined) info.namespace = name;
  else if (namespace !== undefined) info.namespace = namespace;
  if (name !== undefined) info.name = name;
  if (subresource !== undefined) info.subresource = subresource;
  return info;
}

/** "jobs" or "jobs/status": the resource string RBAC rules and messages use. */
export function rbacResource(info: ResourceRequest): string {
  return info.subresource ? `${info.resourceName}/${info.subresource}` : info.resourceName;
}
