// Kubernetes name, label and quantity syntax, as the API server validates it. Checking here lets
// a bad config fail with a message that names the field before any object is sent.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A DNS-1123 label (namespaces, most object names). Returns a reason, or null when valid. */
export function dnsLabelProblem(value: string): string | null {
  if (value.length > 63) return `is ${value.length} characters long; the limit is 63`;
  if (!DNS_LABEL.test(value)) {
    return "must be lower-case letters, digits and '-', starting and ending with a letter or digit";
  }
  return null;
}

/** A DNS-1123 subdomain (volume claims, service accounts). */
export function dnsSubdomainProblem(value: string): string | null {
  if (value.length > 253) return `is ${value.length} characters long; the limit is 253`;
  if (!DNS_SUBDOMAIN.test(value)) {
    return "must be lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
  }
  return null;
}

/** A label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | null {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null) {
    if (prefix.length === 0) return "has an empty prefix before '/'";
    const problem = dnsSubdomainProblem(prefix);
    if (problem) return `prefix "${prefix}" ${problem}`;
  }
  if (name.length === 0) return "has an empty name";
  if (name.length > 63) return `name is ${name.length} characters long; the limit is 63`;
  if (!LABEL_NAME.test(name)) {
    return "name must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  }
  return null;
}

/** A label value: empty, or at most 63 characters of the label-name alphabet. */
export function labelValueProblem(value: string): string | null {
  if (value.length === 0) return null;
  if (value.length > 63) return `is ${value.length} characters long; the limit is 63`;
  if (!LABEL_NAME.test(value)) {
    return "must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or empty)";
  }
  return null;
}

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * The value of a non-negative Kubernetes quantity ("500m", "2Gi", "1.5", "1e3"), or null when
 * the text is not one. Floating point is exact enough to compare requests with limits.
 */
export function quantityValue(text: string): number | null {
  const match = QUANTITY.exec(text);
  if (!match) return null;
  const [, digits = "", suffix = ""] = match;
  const base = Number(digits);
  if (/^[eE][-+]?[0-9]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  const factor = SUFFIX_FACTOR[suffix];
  return factor === undefined ? null : base * factor;
}

/** A C-identifier environment variable name, the portable subset every shell accepts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when the text holds a character no config value may carry (NUL and other C0 controls
 * except tab, CR and LF, which multi-line templates legitimately contain). */
export function hasControlCharacter(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}
