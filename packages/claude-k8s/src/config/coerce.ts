// Readers for the loose shapes the Paperclip UI stores: numbers as strings, booleans as
// "true"/"false", lists as one whitespace separated string, maps as JSON or key=value lines.
// Each returns the value or a problem (without the field name; the parser prefixes it).

export type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

export const ok = <T>(value: T): Read<T> => ({ ok: true, value });
export const bad = <T>(problem: string): Read<T> => ({ ok: false, problem });

/** A short, quoted rendering of a raw value for "(got ...)" in messages. */
export function describe(raw: unknown): string {
  let text: string;
  try {
    text = typeof raw === "string" ? JSON.stringify(raw) : (JSON.stringify(raw) ?? String(raw));
  } catch {
    text = String(raw);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Absent, null and blank strings all mean "not set: use the default". */
export function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "");
}

/** A trimmed string; other types are refused rather than stringified by accident. */
export function readString(raw: unknown): Read<string> {
  if (typeof raw !== "string") return bad(`must be a string (got ${describe(raw)})`);
  return ok(raw.trim());
}

/** A whole number at least `min`, given as a number or a string of digits. */
export function readWholeNumber(raw: unknown, min: number): Read<number> {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : null;
  if (text === null || !/^[0-9]+$/.test(text)) return bad(`(got ${describe(raw)})`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) return bad(`(got ${describe(raw)})`);
  return ok(value);
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

export function readBoolean(raw: unknown): Read<boolean> {
  if (typeof raw === "boolean") return ok(raw);
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim().toLowerCase() : "";
  if (TRUE_WORDS.has(text)) return ok(true);
  if (FALSE_WORDS.has(text)) return ok(false);
  return bad(`must be true or false (got ${describe(raw)})`);
}

/** An array of strings, or one string split on whitespace (spaces, tabs, newlines). */
export function readStringList(raw: unknown): Read<string[]> {
  if (typeof raw === "string") return ok(raw.split(/\s+/).filter((part) => part.length > 0));
  if (!Array.isArray(raw)) return bad(`must be a list of strings or one space separated string (got ${describe(raw)})`);
  const out: string[] = [];
  for (const [index, item] of raw.entries()) {
    if (typeof item !== "string") return bad(`item ${index} must be a string (got ${describe(item)})`);
    out.push(item);
  }
  return ok(out);
}

/** Parse JSON when the UI stored a structure as text; pass structures through. */
export function readJson(raw: unknown): Read<unknown> {
  if (typeof raw !== "string") return ok(raw);
  try {
    return ok(JSON.parse(raw) as unknown);
  } catch (error) {
    return bad(`is not valid JSON (${(error as Error).message})`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `key=value` lines; blank lines and lines starting with '#' are skipped. */
function readKeyValueLines(text: string): Read<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) return bad(`line ${index + 1} must be key=value (got ${describe(trimmed)})`);
    out[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return ok(out);
}

/**
 * A map of strings: an object, a JSON object in a string, or key=value lines. Numbers and
 * booleans become their text, since the UI cannot always tell them apart from strings.
 */
export function readStringMap(raw: unknown): Read<Record<string, string>> {
  let source: unknown = raw;
  if (typeof raw === "string") {
    if (!raw.trim().startsWith("{")) return readKeyValueLines(raw);
    const parsed = readJson(raw);
    if (!parsed.ok) return parsed as Read<Record<string, string>>;
    source = parsed.value;
  }
  if (!isPlainObject(source)) return bad(`must be an object of strings or key=value lines (got ${describe(raw)})`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === "string") out[key] = value;
    else if (typeof value === "number" || typeof value === "boolean") out[key] = String(value);
    else return bad(`value of "${key}" must be a string (got ${describe(value)})`);
  }
  return ok(out);
}
