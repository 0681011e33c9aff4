// Label and field selectors in Kubernetes syntax. Parsing errors become 400 Status errors with
// the real server's "unable to parse requirement: ..." prefix.
import { badRequest } from "./errors.ts";
import { labelKeyProblem, labelValueProblem } from "./validation.ts";
import type { KubeObject } from "./types.ts";

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

type Token = { kind: "id"; text: string } | { kind: "op"; text: string };

function fail(message: string): never {
  throw badRequest(`unable to parse requirement: ${message}`);
}

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const ch = selector[i] ?? "";
    if (/\s/.test(ch)) { i++; continue; }
    const two = selector.slice(i, i + 2);
    if (two === "==" || two === "!=") { tokens.push({ kind: "op", text: two }); i += 2; continue; }
    if ("=!(),<>".includes(ch)) { tokens.push({ kind: "op", text: ch }); i++; continue; }
    let end = i;
    while (end < selector.length && !/[\s=!(),<>]/.test(selector[end] ?? "")) end++;
    tokens.push({ kind: "id", text: selector.slice(i, end) });
    i = end;
  }
  return tokens;
}

class LabelParser {
  private position = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.tokens.length === 0) return requirements;
    for (;;) {
      requirements.push(this.requirement());
      const next = this.tokens[this.position++];
      if (next === undefined) return requirements;
      if (next.text !== ",") fail(`found '${next.text}', expected: ',' or end of string`);
    }
  }

  private requirement(): LabelRequirement {
    const first = this.tokens[this.position++];
    if (first?.kind === "op" && first.text === "!") return { key: this.key(), operator: "!", values: [] };
    if (first?.kind !== "id") fail(`found '${first?.text ?? "end of string"}', expected: identifier`);
    const key = checkKey(first.text);
    const op = this.tokens[this.position];
    if (op === undefined || op.text === ",") return { key, operator: "exists", values: [] };
    this.position++;
    switch (op.text) {
      case "=": case "==": return { key, operator: "=", values: [this.value()] };
      case "!=": return { key, operator: "!=", values: [this.value()] };
      case ">": case "<": return { key, operator: op.text === ">" ? "gt" : "lt", values: [this.integer()] };
      case "in": case "notin": return { key, operator: op.text, values: this.set() };
      default: return fail(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private key(): string {
    const token = this.tokens[this.position++];
    if (token?.kind !== "id") fail(`found '${token?.text ?? "end of string"}', expected: identifier after '!'`);
    return checkKey(token.text);
  }

  private value(): string {
    const token = this.tokens[this.position];
    if (token === undefined || token.text === ",") return "";
    if (token.kind !== "id") fail(`found '${token.text}', expected: identifier`);
    this.position++;
    return checkValue(token.text);
  }

  private integer(): string {
    const value = this.value();
    if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
    return value;
  }

  /** `(a,b)`; `()` and empty items mean the empty value, as labels.Parser reads them. */
  private set(): string[] {
    const open = this.tokens[this.position++];
    if (open?.text !== "(") fail(`found '${open?.text ?? ""}' expected: '('`);
    const first = this.tokens[this.position];
    if (first?.text === ")") {
      this.position++;
      return [""];
    }
    if (first === undefined || (first.kind !== "id" && first.text !== ",")) {
      fail(`found '${first?.text ?? ""}', expected: ',', ')' or identifier`);
    }
    const values = this.identifierList();
    const close = this.tokens[this.position++];
    if (close?.text !== ")") fail(`found '${first.text}', expected: ')'`);
    return values;
  }

  private identifierList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const token = this.tokens[this.position++];
      if (token?.kind === "id") {
        values.add(checkValue(token.text));
        const next = this.tokens[this.position];
        if (next?.text === ",") continue;
        if (next?.text === ")") return [...values].sort();
        fail(`found '${next?.text ?? ""}', expected: ',' or ')'`);
      }
      if (token?.text === ",") {
        if (values.size === 0) values.add("");
        const next = this.tokens[this.position];
        if (next?.text === ")") {
          values.add("");
          return [...values].sort();
        }
        if (next?.text === ",") {
          this.position++;
          values.add("");
        }
        continue;
      }
      return fail(`found '${token?.text ?? ""}', expected: ',', or identifier`);
    }
  }
}

function checkKey(key: string): string {
  const problem = labelKeyProblem(key);
  if (problem) fail(`${key}: Invalid value: "${key}": ${problem}`);
  return key;
}

function checkValue(value: string): string {
  const problem = labelValueProblem(value);
  if (problem) fail(`values[0]: Invalid value: "${value}": ${problem}`);
  return value;
}

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (selector === undefined || selector.trim() === "") return [];
  const tokens = tokenize(selector).map((t): Token =>
    t.kind === "id" && (t.text === "in" || t.text === "notin") ? { kind: "op", text: t.text } : t);
  return new LabelParser(tokens).parse();
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "=": return has && value === r.values[0];
    case "!=": return !has || value !== r.values[0];
    case "in": return has && r.values.includes(value ?? "");
    case "notin": return !has || !r.values.includes(value ?? "");
    case "exists": return has;
    case "!": return !has;
    case "gt": return has && /^-?\d+$/.test(value ?? "") && Number(value) > Number(r.values[0]);
    case "lt": return has && /^-?\d+$/.test(value ?? "") && Number(value) < Number(r.values[0]);
  }
}

/** Label selector as a predicate; throws 400 for invalid syntax. */
export function labelSelectorPredicate(selector: string | undefined): (object: KubeObject) => boolean {
  const requirements = parseLabelSelector(selector);
  return (object) => matchesLabels(requirements, object.metadata.labels);
}

const COMMON_FIELDS = ["metadata.name", "metadata.namespace"];
const EVENT_FIELDS = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
  "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent",
  "source", "type"];

/** The fields each resource can be selected by (as the real server allows), by "group/resource". */
const SELECTABLE_FIELDS: Record<string, string[]> = {
  "/pods": ["status.phase", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
    "status.podIP", "status.nominatedNodeName"],
  "/events": EVENT_FIELDS,
  "events.k8s.io/events": ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type",
    "reportingController"],
  "/secrets": ["type"],
  "/namespaces": ["status.phase"],
  "batch/jobs": ["status.successful"],
};

/** Without a resource: the fields the adapter uses anywhere. */
const DEFAULT_FIELDS = ["status.phase", "spec.nodeName"];

function readField(object: KubeObject, field: string): string {
  let value: unknown = object;
  for (const part of field.split(".")) {
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value === undefined || value === null ? "" : String(value);
}

/**
 * Field selector (`a=b,c!=d`) as a predicate; fields the resource does not support and bad
 * syntax answer 400.
 */
export function fieldSelectorPredicate(selector: string | undefined,
  resource?: { group: string; resource: string }): (object: KubeObject) => boolean {
  if (selector === undefined || selector.trim() === "") return () => true;
  const allowed = new Set([...COMMON_FIELDS,
    ...(resource ? SELECTABLE_FIELDS[`${resource.group}/${resource.resource}`] ?? [] : DEFAULT_FIELDS)]);
  const tests = selector.split(",").map((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = "", op, value = ""] = match;
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return (object: KubeObject) => (readField(object, field) === value) === (op !== "!=");
  });
  return (object) => tests.every((t) => t(object));
}
