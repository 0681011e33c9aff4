// Where we are in a container's log, as ONE value moved only here (house rule 1).
// Invariant: a request with sinceTime = second R answers, in write order, every stored line stamped
// at or after R; the lines we delivered come first and end with the last one we delivered.
// `perSecond` holds, for each recent epoch second, how many delivered lines carried it and their
// fingerprints (instant + text), so a replay is recognised line by line, whatever the order of
// the stamps: a line we delivered is dropped, any other line is new and delivered, and once
// every expected line came back (or the last delivered one did) the rest of the connection is
// new. R is one second before the last line's second (stdout and stderr are stamped apart,
// clocks step: a line written after a cut but stamped before R would not be served); the final
// read goes back the whole window. Rotation removes lines from the front: a replay that lacks
// lines and not the last one is a gap, reported, never hidden.
import { compareInstants, formatUtcSecond, parseInstant } from "./log-stamp.ts";
import type { Instant } from "./log-stamp.ts";

export type { Instant } from "./log-stamp.ts";

/** The lines delivered with one epoch second: their number and fingerprints (a multiset). */
export type SecondLines = {
  readonly second: number;
  readonly count: number;
  /** null once more than MAX_PRINTS_PER_SECOND lines carried the second: then they are only counted. */
  readonly prints: readonly number[] | null;
};

export type LogCursor = {
  /** Timestamp of the last delivered line as the server wrote it; null before the first line. */
  readonly lastTimestamp: string | null;
  /** How many delivered lines in a row, up to the last, carried exactly its instant. */
  readonly seenAtLast: number;
  /** The last delivered line (in write order): its instant and fingerprint. A replay ends with it. */
  readonly last: Instant | null;
  readonly lastPrint: number;
  /** The latest instant delivered: a later line cannot be a replay. */
  readonly latest: Instant | null;
  /** Ascending, for the seconds from `latest`'s minus WINDOW_SECONDS on. */
  readonly perSecond: readonly SecondLines[];
};

export const START_CURSOR: LogCursor = { lastTimestamp: null, seenAtLast: 0, last: null, lastPrint: 0, latest: null, perSecond: [] };

/** A reconnect resumes this many seconds before the last line's second (stamps running backwards). */
export const LOOKBACK_SECONDS = 1;
/** Seconds kept behind the latest stamp; the final read resumes from there. */
export const WINDOW_SECONDS = 10;
const MAX_PRINTS_PER_SECOND = 512;

export type StampedLine = { timestamp: string; instant: Instant; text: string };

export type ParsedLine =
  | { ok: true; line: StampedLine }
  | { ok: false; error: string };

/** One request's view of the cursor: the delivered lines it will replay and must drop. */
export type LogRead = {
  readonly cursor: LogCursor;
  /** The request's resume second; null = from the start of the log. */
  readonly since: number | null;
  /** The delivered lines still expected back, per second, and how many in all. */
  readonly expected: readonly SecondLines[];
  readonly pending: number;
  /** Whether the replay holds the last delivered line (not when the clock went back beyond the window). */
  readonly expectLast: boolean;
  /** Lines dropped as replayed by this request so far. */
  readonly replayed: number;
};

export type LogGap = {
  /**
   * short: `lines` delivered lines were not replayed and neither was the last one, so the log was
   * rotated after the cursor and lines written before the rotation may be missing. overrun: a
   * replay counted (not fingerprinted: a crowded second) came out without the last delivered
   * line, so up to `lines` of the lines dropped as replayed may have been new output.
   */
  kind: "short" | "overrun";
  lines: number;
  /** The last delivered line's timestamp, and where the log resumed (null: it ended). */
  after: string | null;
  resumedAt: string | null;
};

export type Admission = { deliver: boolean; read: LogRead; gap?: LogGap };

/** Splits `<timestamp> <text>`; a line without a valid prefix is a protocol error, not a crash. */
export function parseStampedLine(raw: string): ParsedLine {
  const space = raw.indexOf(" ");
  const prefix = space === -1 ? raw : raw.slice(0, space);
  const instant = parseInstant(prefix);
  if (instant === null) {
    const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
    return { ok: false, error: `log line has no RFC3339Nano timestamp prefix (was timestamps=true sent?): ${JSON.stringify(shown)}` };
  }
  return { ok: true, line: { timestamp: prefix, instant, text: space === -1 ? "" : raw.slice(space + 1) } };
}

/** The second to resume from (null = from the start): `lookback` before the last line's, within the window. */
export function resumeSecond(cursor: LogCursor, lookback = LOOKBACK_SECONDS): number | null {
  if (cursor.last === null || cursor.latest === null) return null;
  return Math.max(cursor.last.seconds - lookback, cursor.latest.seconds - WINDOW_SECONDS);
}

/** The `sinceTime` to send, in UTC; null = from the start. */
export function resumeSinceTime(cursor: LogCursor, lookback = LOOKBACK_SECONDS): string | null {
  const second = resumeSecond(cursor, lookback);
  return second === null ? null : formatUtcSecond(second);
}

/** The clock went back further than the window: lines written after a cut may be stamped before R. */
export function resumeMayMissLines(cursor: LogCursor): boolean {
  const second = resumeSecond(cursor);
  return second !== null && cursor.last !== null && cursor.last.seconds - LOOKBACK_SECONDS < second;
}

/** A new request from this cursor expects back every delivered line stamped from its resume second on. */
export function beginRead(cursor: LogCursor, lookback = LOOKBACK_SECONDS): LogRead {
  const since = resumeSecond(cursor, lookback);
  if (since === null || cursor.last === null) return liveRead(cursor);
  const expected = cursor.perSecond.filter((bucket) => bucket.second >= since);
  const pending = expected.reduce((sum, bucket) => sum + bucket.count, 0);
  return { cursor, since, expected, pending, expectLast: pending > 0 && cursor.last.seconds >= since, replayed: 0 };
}

/**
 * Decides one line. While delivered lines are expected back, one of them is dropped; a line
 * later than anything delivered ends the replay (a gap if lines were still expected); any other
 * line is new and delivered while the replay goes on. Without a replay, every line is delivered.
 */
export function admit(read: LogRead, line: StampedLine): Admission {
  const print = fingerprint(line);
  if (read.pending === 0) return { deliver: true, read: liveRead(advance(read.cursor, line, print)) };
  if (read.since !== null && line.instant.seconds < read.since) return { deliver: false, read }; // sinceTime ignored
  const { latest } = read.cursor;
  const later = latest === null || compareInstants(line.instant, latest) > 0;
  const at = later ? -1 : read.expected.findIndex((bucket) => bucket.second === line.instant.seconds);
  const bucket = read.expected[at];
  if (bucket !== undefined && (bucket.prints === null ? bucket.count > 0 : bucket.prints.includes(print))) {
    return dropReplayed(read, line, print, at);
  }
  if (later) return { deliver: true, read: liveRead(advance(read.cursor, line, print)), gap: shortGap(read, line.timestamp) };
  // Not a line we delivered, yet stamped within what we did: a line a clock step kept from an
  // earlier request, or new output. It is delivered; the replay goes on.
  return { deliver: true, read: { ...read, cursor: advance(read.cursor, line, print, { keepLast: true }) } };
}

/** A completed response: delivered lines still expected (the last one among them) are a gap. */
export function endRead(read: LogRead): LogGap | null {
  return read.pending > 0 ? shortGap(read, null) : null;
}

/** The `sinceTime` a read sends, in UTC; null = from the start. */
export function sinceTimeOf(read: LogRead): string | null {
  return read.since === null ? null : formatUtcSecond(read.since);
}

function dropReplayed(read: LogRead, line: StampedLine, print: number, at: number): Admission {
  const { cursor } = read;
  const bucket = read.expected[at];
  if (bucket === undefined) throw new Error("dropReplayed: no bucket");
  const prints = bucket.prints === null ? null : withoutOne(bucket.prints, print);
  const expected = read.expected.map((b, i) => (i === at ? { second: b.second, count: b.count - 1, prints } : b));
  const isLast = read.expectLast && print === cursor.lastPrint && cursor.last !== null && compareInstants(line.instant, cursor.last) === 0;
  // The last delivered line (its last copy) came back: the replay is over; rotation may have
  // shortened it, but only by lines delivered before. Unless it came first, after lines rotated
  // away: then it may be a new line identical to it (same instant, same text), ours gone too.
  if (isLast && prints !== null && !prints.includes(print)) {
    if (read.replayed > 0 || read.pending === 1) return { deliver: false, read: liveRead(cursor) };
    return { deliver: false, read: liveRead(cursor), gap: { ...shortGap(read, line.timestamp), lines: read.pending - 1 } };
  }
  const pending = read.pending - 1;
  const replayed = read.replayed + 1;
  if (pending > 0) return { deliver: false, read: { ...read, expected, pending, replayed } };
  if (!read.expectLast || isLast) return { deliver: false, read: liveRead(cursor) };
  const gap: LogGap = { kind: "overrun", lines: replayed, after: cursor.lastTimestamp, resumedAt: line.timestamp };
  return { deliver: false, read: liveRead(cursor), gap };
}

function withoutOne(prints: readonly number[], print: number): readonly number[] {
  const at = prints.indexOf(print);
  return at === -1 ? prints : [...prints.slice(0, at), ...prints.slice(at + 1)];
}

function liveRead(cursor: LogCursor): LogRead {
  return { cursor, since: null, expected: [], pending: 0, expectLast: false, replayed: 0 };
}

function shortGap(read: LogRead, resumedAt: string | null): LogGap {
  return { kind: "short", lines: read.pending, after: read.cursor.lastTimestamp, resumedAt };
}

/** The cursor after delivering `line`; `keepLast`: it arrived inside a replay, so it is not the last in write order. */
export function advance(cursor: LogCursor, line: StampedLine, print = fingerprint(line), options: { keepLast?: boolean } = {}): LogCursor {
  const { instant } = line;
  const latest = cursor.latest === null || compareInstants(instant, cursor.latest) > 0 ? instant : cursor.latest;
  const perSecond = addLine(cursor.perSecond, instant.seconds, print, latest.seconds - WINDOW_SECONDS);
  if (options.keepLast === true && cursor.last !== null) return { ...cursor, latest, perSecond };
  const atLast = cursor.last !== null && compareInstants(instant, cursor.last) === 0;
  return { lastTimestamp: line.timestamp, seenAtLast: atLast ? cursor.seenAtLast + 1 : 1, last: instant, lastPrint: print, latest, perSecond };
}

/** Adds one line at `second` and forgets the seconds before `from`. */
function addLine(buckets: readonly SecondLines[], second: number, print: number, from: number): readonly SecondLines[] {
  const kept = buckets[0] !== undefined && buckets[0].second < from ? buckets.filter((b) => b.second >= from) : buckets;
  if (second < from) return kept;
  const at = kept.findIndex((b) => b.second >= second);
  const found = at === -1 ? undefined : kept[at];
  if (found === undefined || found.second !== second) {
    const fresh: SecondLines = { second, count: 1, prints: [print] };
    return at === -1 ? [...kept, fresh] : [...kept.slice(0, at), fresh, ...kept.slice(at)];
  }
  const prints = found.prints === null || found.prints.length >= MAX_PRINTS_PER_SECOND ? null : [...found.prints, print];
  return kept.map((b, i) => (i === at ? { second, count: found.count + 1, prints } : b));
}

/** FNV-1a over the instant and the text: tells a replayed line from a new one with the same stamp. */
export function fingerprint(line: StampedLine): number {
  let hash = 0x811c9dc5;
  const key = `${line.instant.seconds}.${line.instant.nanos} `;
  for (const part of [key, line.text]) {
    for (let i = 0; i < part.length; i++) {
      hash ^= part.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return hash >>> 0;
}

/** Whether `value` has the cursor's shape (a caller may hand back one it stored as JSON). */
export function isLogCursor(value: unknown): value is LogCursor {
  if (value === null || typeof value !== "object") return false;
  const c = value as Record<string, unknown>;
  const instantOrNull = (v: unknown) => v === null || (typeof v === "object" && typeof (v as Instant).seconds === "number"
    && typeof (v as Instant).nanos === "number");
  return (c.lastTimestamp === null || typeof c.lastTimestamp === "string") && typeof c.seenAtLast === "number"
    && instantOrNull(c.last) && instantOrNull(c.latest) && typeof c.lastPrint === "number" && Array.isArray(c.perSecond)
    && c.perSecond.every((b: unknown) => typeof (b as SecondLines | null)?.second === "number" && typeof (b as SecondLines).count === "number");
}
