// Where we are in a container's log, as ONE value moved only here (house rule 1).
// Invariant: we have delivered a prefix of the log (write order). A request with sinceTime = second
// R answers, in write order, every stored line stamped at or after R, so the delivered prefix's
// lines stamped from R on come first and end with the last delivered line. `perSecond` counts the
// delivered lines per epoch second, so the replay to drop is the sum of the counts from R on,
// whatever the order of the stamps inside it, and every line after that replay is new, whatever
// its stamp. R is one second before the last line's second: stdout and stderr are stamped apart
// and clocks step, and a line written after a cut but stamped before R would never be served.
// Rotation removes lines from the front: a replay that comes up short without its last line is
// reported as a gap, never hidden; one that still ends with the last delivered line lost nothing.
import { compareInstants, formatUtcSecond, parseInstant } from "./log-stamp.ts";
import type { Instant } from "./log-stamp.ts";

export type { Instant } from "./log-stamp.ts";

/** Whether `value` has the cursor's shape (a caller may hand back one it stored as JSON). */
export function isLogCursor(value: unknown): value is LogCursor {
  if (value === null || typeof value !== "object") return false;
  const c = value as Record<string, unknown>;
  const instantOrNull = (v: unknown) => v === null || (typeof v === "object" && typeof (v as Instant).seconds === "number"
    && typeof (v as Instant).nanos === "number");
  return (c.lastTimestamp === null || typeof c.lastTimestamp === "string") && typeof c.seenAtLast === "number"
    && instantOrNull(c.last) && instantOrNull(c.latest) && typeof c.lastPrint === "number"
    && (c.lastCopies === null || typeof c.lastCopies === "number")
    && (c.latestPrints === null || Array.isArray(c.latestPrints)) && Array.isArray(c.perSecond);
}

/** How many delivered lines carried one epoch second. */
export type SecondCount = readonly [second: number, count: number];

export type LogCursor = {
  /** Timestamp of the last delivered line as the server wrote it; null before the first line. */
  readonly lastTimestamp: string | null;
  /** How many delivered lines in a row, up to the last, carried exactly its instant. */
  readonly seenAtLast: number;
  /** The last delivered line's instant and fingerprint: a replay ends with that line. */
  readonly last: Instant | null;
  readonly lastPrint: number;
  /** How many delivered lines are copies of the last (same instant and text); null = unknown. */
  readonly lastCopies: number | null;
  /** The latest instant delivered (a later line cannot be a replay), and the fingerprints of the
   * lines delivered at exactly it; null once more than MAX_LATEST_PRINTS shared it. */
  readonly latest: Instant | null;
  readonly latestPrints: readonly number[] | null;
  /** Delivered lines per second, ascending, for the seconds from `latest`'s minus WINDOW_SECONDS. */
  readonly perSecond: readonly SecondCount[];
};

export const START_CURSOR: LogCursor = { lastTimestamp: null, seenAtLast: 0, last: null, lastPrint: 0, lastCopies: null,
  latest: null, latestPrints: [], perSecond: [] };

/** A resume goes this many seconds before the last line's second (stamps running backwards). */
export const LOOKBACK_SECONDS = 1;
/** Seconds of counts kept behind the latest stamp: a clock stepped back further cannot be resumed exactly. */
export const WINDOW_SECONDS = 10;
const MAX_LATEST_PRINTS = 64;

export type StampedLine = { timestamp: string; instant: Instant; text: string };

export type ParsedLine =
  | { ok: true; line: StampedLine }
  | { ok: false; error: string };

/** One request's view of the cursor: the replayed lines it still expects (and drops) before new output. */
export type LogRead = {
  readonly cursor: LogCursor;
  /** The request's resume second; null = from the start of the log. */
  readonly since: number | null;
  readonly expected: readonly SecondCount[];
  readonly pending: number;
  /** Whether the replay holds the last delivered line (it ends with it), and how many of its
   * copies are still to come (null = unknown); at 0 the replay is over. */
  readonly expectLast: boolean;
  readonly lastCopiesToSee: number | null;
  /** Lines this request dropped as replayed so far. */
  readonly replayed: number;
};

/** Lines the cursor expected to be replayed that the API no longer serves (rotated away: L10). */
export type LogGap = {
  /**
   * short: the replay lacked `lines` delivered lines, so the log was rotated after the cursor and
   * lines written before the rotation may be missing. overrun: the replay was counted out without
   * the last delivered line, so up to `lines` of the lines dropped as replayed were new output.
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

/** The second to resume from (null = from the start): one before the last line's, within the window. */
export function resumeSecond(cursor: LogCursor): number | null {
  if (cursor.last === null || cursor.latest === null) return null;
  return Math.max(cursor.last.seconds - LOOKBACK_SECONDS, cursor.latest.seconds - WINDOW_SECONDS);
}

/** The `sinceTime` to send, in UTC; null = from the start. */
export function resumeSinceTime(cursor: LogCursor): string | null {
  const second = resumeSecond(cursor);
  return second === null ? null : formatUtcSecond(second);
}

/** The clock went back further than the window: lines written after a cut may be stamped before R. */
export function resumeMayMissLines(cursor: LogCursor): boolean {
  const second = resumeSecond(cursor);
  return second !== null && cursor.last !== null && cursor.last.seconds - LOOKBACK_SECONDS < second;
}

/** A new request from this cursor expects every delivered line stamped from its resume second on. */
export function beginRead(cursor: LogCursor): LogRead {
  const since = resumeSecond(cursor);
  if (since === null || cursor.last === null) return liveRead(cursor);
  const expected = cursor.perSecond.filter(([second]) => second >= since);
  const pending = expected.reduce((sum, [, count]) => sum + count, 0);
  // The last line is in the replay unless the clock went back beyond the window.
  const expectLast = pending > 0 && cursor.last.seconds >= since;
  return { cursor, since, expected, pending, expectLast, lastCopiesToSee: cursor.lastCopies, replayed: 0 };
}

/**
 * Decides one line. While replayed lines are expected, a line that can be one is dropped; one that
 * cannot (later than anything delivered, a second with no replay left, an unknown line at the
 * latest instant) ends the replay. Every other line is delivered and moves the cursor.
 */
export function admit(read: LogRead, line: StampedLine): Admission {
  const print = fingerprint(line);
  if (read.pending > 0) {
    if (read.since !== null && line.instant.seconds < read.since) return { deliver: false, read }; // ignored sinceTime
    if (isReplayable(read, line, print)) return dropReplayed(read, line, print);
    return { deliver: true, read: liveRead(advance(read.cursor, line, print)), gap: shortGap(read, line.timestamp) };
  }
  return { deliver: true, read: liveRead(advance(read.cursor, line, print)) };
}

/** A completed response: replayed lines still expected are a gap. */
export function endRead(read: LogRead): LogGap | null {
  return read.pending > 0 ? shortGap(read, null) : null;
}

function isReplayable(read: LogRead, line: StampedLine, print: number): boolean {
  const { latest, latestPrints } = read.cursor;
  if (latest === null) return false;
  const order = compareInstants(line.instant, latest);
  if (order > 0) return false;
  if (order === 0 && latestPrints !== null && !latestPrints.includes(print)) return false;
  return read.expected.some(([second, count]) => second === line.instant.seconds && count > 0);
}

function dropReplayed(read: LogRead, line: StampedLine, print: number): Admission {
  const { cursor } = read;
  const second = line.instant.seconds;
  const isLast = read.expectLast && print === cursor.lastPrint && cursor.last !== null
    && compareInstants(line.instant, cursor.last) === 0;
  const lastCopiesToSee = isLast && read.lastCopiesToSee !== null ? read.lastCopiesToSee - 1 : read.lastCopiesToSee;
  // Every copy of the last delivered line came back: the replay is over (rotation may have
  // shortened it, but only by lines delivered before).
  if (isLast && lastCopiesToSee === 0) return { deliver: false, read: liveRead(cursor) };
  const pending = read.pending - 1;
  const replayed = read.replayed + 1;
  if (pending === 0) {
    // Counted out, but not on the last delivered line: some lines taken for replayed ones were new.
    if (!read.expectLast || isLast) return { deliver: false, read: liveRead(cursor) };
    const gap: LogGap = { kind: "overrun", lines: replayed, after: cursor.lastTimestamp, resumedAt: line.timestamp };
    return { deliver: false, read: liveRead(cursor), gap };
  }
  const expected = read.expected.map((entry): SecondCount => (entry[0] === second ? [second, entry[1] - 1] : entry));
  return { deliver: false, read: { ...read, expected, pending, lastCopiesToSee, replayed } };
}

function liveRead(cursor: LogCursor): LogRead {
  return { cursor, since: null, expected: [], pending: 0, expectLast: false, lastCopiesToSee: null, replayed: 0 };
}

function shortGap(read: LogRead, resumedAt: string | null): LogGap {
  return { kind: "short", lines: read.pending, after: read.cursor.lastTimestamp, resumedAt };
}

/** The cursor after delivering `line`. */
export function advance(cursor: LogCursor, line: StampedLine, print = fingerprint(line)): LogCursor {
  const { instant } = line;
  const order = cursor.latest === null ? 1 : compareInstants(instant, cursor.latest);
  const latest = order > 0 || cursor.latest === null ? instant : cursor.latest;
  let latestPrints = cursor.latestPrints;
  if (order > 0) latestPrints = [print];
  else if (order === 0) latestPrints = latestPrints !== null && latestPrints.length < MAX_LATEST_PRINTS ? [...latestPrints, print] : null;
  const atLast = cursor.last !== null && compareInstants(instant, cursor.last) === 0;
  return {
    lastTimestamp: line.timestamp,
    seenAtLast: atLast ? cursor.seenAtLast + 1 : 1,
    last: instant,
    lastPrint: print,
    lastCopies: latestPrints === null || order < 0 ? null : latestPrints.filter((p) => p === print).length,
    latest,
    latestPrints,
    perSecond: countSecond(cursor.perSecond, instant.seconds, latest.seconds - WINDOW_SECONDS),
  };
}

/** Adds one line at `second` and forgets the seconds before `from`. */
function countSecond(counts: readonly SecondCount[], second: number, from: number): readonly SecondCount[] {
  const kept = counts[0] !== undefined && counts[0][0] < from ? counts.filter(([s]) => s >= from) : counts;
  if (second < from) return kept;
  const at = kept.findIndex(([s]) => s >= second);
  if (at === -1) return [...kept, [second, 1]];
  const found = kept[at];
  if (found !== undefined && found[0] === second) return kept.map((entry, i): SecondCount => (i === at ? [second, entry[1] + 1] : entry));
  return [...kept.slice(0, at), [second, 1], ...kept.slice(at)];
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
