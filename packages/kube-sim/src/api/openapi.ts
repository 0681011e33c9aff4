// A minimal OpenAPI v3 surface: enough for kubectl to learn that the server validates fields
// itself (the `fieldValidation` query parameter on PATCH), so `kubectl apply/create -f` needs no
// client-side schema. Schemas are not described.
import { createHash } from "node:crypto";
import { RESOURCES, groupVersions } from "../store/resources.ts";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiRoot(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions()) {
    const path = gvPath(group, version);
    const hash = createHash("sha256").update(JSON.stringify(openApiGroupVersion(group, version))).digest("hex").slice(0, 16).toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

const QUERY_PARAMETERS = ["fieldValidation", "fieldManager", "dryRun", "force"].map((name) => ({
  name, in: "query", schema: { type: name === "force" ? "boolean" : "string", uniqueItems: true },
}));

export function openApiGroupVersion(group: string, version: string): unknown {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((d) => d.group === group && d.version === version)) {
    const base = r.namespaced ? `/${gvPath(group, version)}/namespaces/{namespace}/${r.resource}` : `/${gvPath(group, version)}/${r.resource}`;
    const gvk = { group, version, kind: r.kind };
    const operation = (id: string) => ({ operationId: `${id}${r.kind}`, "x-kubernetes-group-version-kind": gvk,
      "x-kubernetes-action": id, parameters: QUERY_PARAMETERS, responses: { 200: { description: "OK" } } });
    paths[base] = { post: operation("create") };
    paths[`${base}/{name}`] = { get: operation("read"), put: operation("replace"), patch: operation("patch") };
  }
  return {
    openapi: "3.0.0", info: { title: "Kubernetes (kube-sim)", version: "v1.32.0" }, paths,
    components: { schemas: {} },
  };
}

/** The OpenAPI document for a request path under /openapi/v3, or undefined. */
export function openApiDocument(pathname: string): unknown {
  if (pathname === "/openapi/v3" || pathname === "/openapi/v3/") return openApiRoot();
  const match = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(pathname);
  if (!match) return undefined;
  const [group, version] = match[1] ? ["", match[1]] : [match[2] ?? "", match[3] ?? ""];
  if (!RESOURCES.some((r) => r.group === group && r.version === version)) return undefined;
  return openApiGroupVersion(group, version);
}
