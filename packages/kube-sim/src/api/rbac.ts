// Bearer tokens → users → RBAC rules, checked like the real RBAC authorizer, with Role and
// ClusterRole manifests as the source of rules so a project's deploy YAML can be enforced.
import { parseAllDocuments } from "yaml";
import { forbidden, qualifiedResource } from "../store/errors.ts";
import type { StatusError } from "../store/errors.ts";

export interface PolicyRule {
  apiGroups: string[];
  /** Plurals, "plural/subresource", "*", "*\/subresource" or "plural/*". */
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
  /** Undefined: every namespace and cluster-scoped resources (a ClusterRole); else one namespace (a Role). */
  namespace?: string;
}

export interface Subject {
  user: string;
  rules: PolicyRule[];
}

export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export const ADMIN_RULES: PolicyRule[] = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];

function resourceMatches(patterns: string[], resource: string, subresource: string | undefined): boolean {
  const wanted = subresource ? `${resource}/${subresource}` : resource;
  return patterns.some((p) => p === "*" || p === wanted
    || (subresource !== undefined && (p === `*/${subresource}` || p === `${resource}/*`)));
}

export function ruleAllows(rule: PolicyRule, attributes: AccessAttributes): boolean {
  if (rule.namespace !== undefined && rule.namespace !== attributes.namespace) return false;
  if (!rule.verbs.includes("*") && !rule.verbs.includes(attributes.verb)) return false;
  if (!rule.apiGroups.includes("*") && !rule.apiGroups.includes(attributes.group)) return false;
  if (!resourceMatches(rule.resources, attributes.resource, attributes.subresource)) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) {
    return attributes.name !== undefined && rule.resourceNames.includes(attributes.name);
  }
  return true;
}

export function allows(subject: Subject, attributes: AccessAttributes): boolean {
  return subject.rules.some((rule) => ruleAllows(rule, attributes));
}

export function isAdmin(subject: Subject): boolean {
  return allows(subject, { verb: "*", group: "*", resource: "*" });
}

/** 403 with the real message: `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "ns"`. */
export function forbiddenError(subject: Subject, attributes: AccessAttributes): StatusError {
  const target = qualifiedResource(attributes);
  const subject_ = attributes.name ? `${target} "${attributes.name}"` : target;
  const shownResource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const scope = attributes.namespace !== undefined ? `in the namespace "${attributes.namespace}"` : "at the cluster scope";
  const message = `${subject_} is forbidden: User "${subject.user}" cannot ${attributes.verb} resource "${shownResource}" `
    + `in API group "${attributes.group}" ${scope}`;
  return forbidden(message, {
    ...(attributes.name ? { name: attributes.name } : {}),
    ...(attributes.group ? { group: attributes.group } : {}),
    kind: attributes.resource,
  });
}

interface RoleDocument {
  kind?: unknown;
  metadata?: { namespace?: unknown; name?: unknown };
  rules?: unknown;
  items?: unknown;
}

function stringList(value: unknown, field: string, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new Error(`${where}: ${field} must be a list of strings`);
  }
  return value as string[];
}

function rulesOfDocument(doc: RoleDocument): PolicyRule[] {
  if (doc.kind === "List" && Array.isArray(doc.items)) return doc.items.flatMap((item) => rulesOfDocument(item as RoleDocument));
  if (doc.kind !== "Role" && doc.kind !== "ClusterRole") return [];
  const where = `${String(doc.kind)} ${String(doc.metadata?.name ?? "(unnamed)")}`;
  const namespace = doc.kind === "Role" && typeof doc.metadata?.namespace === "string" ? doc.metadata.namespace : undefined;
  const rules = Array.isArray(doc.rules) ? doc.rules as Record<string, unknown>[] : [];
  return rules.map((rule, index) => {
    const at = `${where} rules[${index}]`;
    const resourceNames = stringList(rule.resourceNames, "resourceNames", at);
    return {
      apiGroups: stringList(rule.apiGroups, "apiGroups", at),
      resources: stringList(rule.resources, "resources", at),
      verbs: stringList(rule.verbs, "verbs", at),
      ...(resourceNames.length > 0 ? { resourceNames } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
    };
  });
}

/**
 * Every rule of every Role and ClusterRole in a (multi-document) YAML text. A Role's rules hold
 * in its metadata.namespace only; a Role without a namespace holds in every namespace.
 */
export function rulesFromYaml(text: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`RBAC YAML does not parse: ${document.errors[0]?.message}`);
    const value = document.toJS() as RoleDocument | null;
    if (value && typeof value === "object") rules.push(...rulesOfDocument(value));
  }
  return rules;
}

/** The token → subject table the API server authenticates against. */
export class TokenTable {
  private readonly subjects = new Map<string, Subject>();

  add(token: string, subject: Subject): void {
    this.subjects.set(token, subject);
  }

  remove(token: string): void {
    this.subjects.delete(token);
  }

  lookup(authorization: string | undefined): Subject | undefined {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
    return match ? this.subjects.get(match[1]?.trim() ?? "") : undefined;
  }
}
