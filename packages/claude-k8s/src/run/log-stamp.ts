// Log timestamps as instants. The container runtime stamps each line with its clock in the node's
// zone: `Z` usually, an offset such as `+08:00` on nodes not on UTC, served as written, with up to
// nine fraction digits. Order and the resume second therefore come from the instant (epoch
// seconds, nanoseconds), never from the string and never through Date (milliseconds).

export type Instant = { readonly seconds: number; readonly nanos: number };

const STAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:Z|([+-])(\d\d):(\d\d))$/;

/** The instant an RFC3339(Nano) timestamp names; null when it is not one. */
export function parseInstant(text: string): Instant | null {
  const match = STAMP.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day) return null; // 2024-02-30
  const offsetSeconds = (match[8] === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  const seconds = date.getTime() / 1000 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return { seconds, nanos: Number((match[7] ?? "").padEnd(9, "0")) };
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

/** A whole epoch second as RFC3339 in UTC (`2024-01-01T00:00:05Z`), the form sent as sinceTime. */
export function formatUtcSecond(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}
