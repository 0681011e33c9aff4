// Object names and label values. Kubernetes limits: a Job name becomes the pods' `job-name`
// label value, so it must be a DNS-1123 label (<= 63, [a-z0-9-], alphanumeric at both ends);
// label values are <= 63 of [A-Za-z0-9-_.], alphanumeric at both ends, or empty.
import { createHash } from "node:crypto";
import { dnsLabelProblem, labelValueProblem } from "../config/syntax.ts";

/** Hex digits of SHA-256 in object names. 6 (24 bits) collides with a few % probability among
 * a thousand run ids that share their sanitised 16-character prefix; 10 (40 bits) does not. */
export const NAME_HASH_HEX = 10;
/** Characters of each sanitised id kept in a Job name. */
export const NAME_ID_CHARS = 16;

export function sha256Hex(text: string, digits: number): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, digits);
}

/** The same rules the config parser checks user input against (config/syntax.ts). */
export function isDnsLabel(name: string): boolean {
  return dnsLabelProblem(name) === null;
}

export function isLabelValue(value: string): boolean {
  return labelValueProblem(value) === null;
}

/** Lower-case [a-z0-9-] fragment of at most `max` characters with no dash at either end;
 * "x" when nothing usable is left (an empty id, or one of only symbols). */
export function dnsFragment(raw: string, max: number): string {
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, max)
    .replace(/-+$/, "");
  return cleaned.length > 0 ? cleaned : "x";
}

/** `ac-<agent>-<run>-<hash>`: readable prefixes for people, the hash of both raw ids (NUL
 * separated, so ("a-b","c") and ("a","b-c") differ) for uniqueness. At most 47 characters, so
 * `<job>-<5 chars>` pod names and `<job>-run` Secret names still fit 63. */
export function jobName(agentId: string, runId: string): string {
  const agent = dnsFragment(agentId, NAME_ID_CHARS);
  const run = dnsFragment(runId, NAME_ID_CHARS);
  return `ac-${agent}-${run}-${sha256Hex(`${agentId}\0${runId}`, NAME_HASH_HEX)}`;
}

/** The run Secret's name, derived from its Job's so one can be found from the other. */
export function runSecretName(jobNameValue: string): string {
  return `${jobNameValue}-run`;
}

/** One Lease per agent: the concurrency lock. Different agents never share one. */
export function agentLeaseName(agentId: string): string {
  return `ac-lock-${dnsFragment(agentId, 32)}-${sha256Hex(agentId, NAME_HASH_HEX)}`;
}

/** A directory name for one agent (its HOME on the shared volume): safe as a single path
 * component (no `/`, never `.` or `..`) and distinct per agent id. */
export function agentDirName(agentId: string): string {
  return `${dnsFragment(agentId, 32)}-${sha256Hex(agentId, NAME_HASH_HEX)}`;
}

/** Any string to a valid label value. A value that is already valid is kept as it is (so a
 * selector built from a raw id matches); anything else is cleaned, cut, and suffixed with a hash
 * of the raw value, so two different ids never map to one label value. */
export function toLabelValue(raw: string): string {
  if (isLabelValue(raw)) return raw;
  const hash = sha256Hex(raw, NAME_HASH_HEX);
  const prefix = raw
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 63 - NAME_HASH_HEX - 1)
    .replace(/[^A-Za-z0-9]+$/, "");
  return prefix.length > 0 ? `${prefix}-${hash}` : hash;
}
