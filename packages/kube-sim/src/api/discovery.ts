// Discovery documents (legacy form) and /version: what kubectl reads before anything else.
import { RESOURCES, groupVersions } from "../store/resources.ts";
import type { ResourceDefinition } from "../store/resources.ts";

export const SIM_VERSION = {
  major: "1", minor: "32", gitVersion: "v1.32.0-kube-sim", gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean", buildDate: "2025-01-01T00:00:00Z", goVersion: "go1.23.0", compiler: "gc", platform: "linux/amd64",
};

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ["get", "patch", "update"],
  log: ["get"],
  eviction: ["create"],
};

const CATEGORY_ALL = new Set(["pods", "jobs"]);

export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroupList(): unknown {
  const groups = groupVersions().filter((gv) => gv.group !== "").map(({ group, version }) => {
    const gv = { groupVersion: `${group}/${version}`, version };
    return { name: group, versions: [gv], preferredVersion: gv };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

function resourceEntries(def: ResourceDefinition): unknown[] {
  const main = {
    name: def.resource, singularName: def.kind.toLowerCase(), namespaced: def.namespaced, kind: def.kind, verbs: def.verbs,
    ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
    ...(CATEGORY_ALL.has(def.resource) ? { categories: ["all"] } : {}),
  };
  const subresources = def.subresources.map((sub) => ({
    name: `${def.resource}/${sub}`, singularName: "", namespaced: def.namespaced,
    kind: sub === "eviction" ? "Eviction" : def.kind, verbs: SUBRESOURCE_VERBS[sub] ?? ["get"],
    ...(sub === "eviction" ? { group: "policy", version: "v1" } : {}),
  }));
  return [main, ...subresources];
}

/** The APIResourceList for one group/version, or undefined when kube-sim does not serve it. */
export function apiResourceList(group: string, version: string): unknown {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (defs.length === 0) return undefined;
  return {
    kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version,
    resources: defs.flatMap(resourceEntries),
  };
}
