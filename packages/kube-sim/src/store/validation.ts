// Object validation with the real server's messages: names, labels, Secret data.
import type { FieldCause } from "./errors.ts";
import type { KubeObject } from "./types.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export const MAX_SECRET_BYTES = 1_048_576;

const SUBDOMAIN_HELP = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
  + "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
  + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
  + "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
  + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_HELP = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
  + "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
  + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_HELP = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
  + "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
  + "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Why `name` is not a DNS-1123 subdomain (≤ 253), or undefined when it is one. */
export function subdomainProblem(name: string): string | undefined {
  if (name.length > 253) return "must be no more than 253 characters";
  return DNS1123_SUBDOMAIN.test(name) ? undefined : SUBDOMAIN_HELP;
}

/** Why `name` is not a DNS-1123 label (≤ 63), or undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length > 63) return "must be no more than 63 characters";
  return DNS1123_LABEL.test(name) ? undefined : LABEL_HELP;
}

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix === "") return "prefix part must be non-empty";
    const problem = subdomainProblem(prefix);
    if (problem) return `prefix part ${problem}`;
  }
  if (name === "") return "name part must be non-empty";
  if (name.length > 63) return "name part must be no more than 63 characters";
  return QUALIFIED_NAME.test(name) ? undefined : QUALIFIED_HELP;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return "must be no more than 63 characters";
  return LABEL_VALUE.test(value) ? undefined : VALUE_HELP;
}

export function invalidValue(field: string, value: unknown, problem: string): FieldCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${problem}`, field };
}

export function validateLabels(labels: unknown, field: string): FieldCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== "object") return [invalidValue(field, labels, "must be a map of strings")];
  const causes: FieldCause[] = [];
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) causes.push(invalidValue(field, key, keyProblem));
    if (typeof value !== "string") causes.push(invalidValue(`${field}[${key}]`, value, "must be a string"));
    else {
      const valueProblem = labelValueProblem(value);
      if (valueProblem) causes.push(invalidValue(`${field}`, value, valueProblem));
    }
  }
  return causes;
}

/** Common metadata checks: the name's format (label or subdomain) and the labels. */
export function validateMetadata(object: KubeObject, nameRule: "subdomain" | "label", maxNameLength?: number): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = object.metadata.name ?? "";
  const problem = nameRule === "label" ? dnsLabelProblem(name) : subdomainProblem(name);
  if (problem) causes.push(invalidValue("metadata.name", name, problem));
  else if (maxNameLength !== undefined && name.length > maxNameLength) {
    causes.push(invalidValue("metadata.name", name, `must be no more than ${maxNameLength} characters`));
  }
  causes.push(...validateLabels(object.metadata.labels, "metadata.labels"));
  return causes;
}

/** Secret keys and the 1 MiB total; `data` values must already be base64. */
export function validateSecretData(data: Record<string, unknown> | undefined): FieldCause[] {
  if (data === undefined) return [];
  const causes: FieldCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    if (!SECRET_KEY.test(key)) {
      causes.push(invalidValue(`data[${key}]`, key,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  "
        + "or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    }
    if (typeof value !== "string") causes.push(invalidValue(`data[${key}]`, value, "must be a base64 string"));
    else total += Buffer.from(value, "base64").length;
  }
  if (total > MAX_SECRET_BYTES) {
    causes.push({ reason: "FieldValueTooLong", message: `Too long: must have at most ${MAX_SECRET_BYTES} bytes`, field: "data" });
  }
  return causes;
}
