// Where we are in a container's log, as ONE value moved only here (house rule 1). Lines come with
// `timestamps=true`: a fixed-width RFC3339Nano prefix, so string order is time order. The API
// server truncates `sinceTime` to whole seconds, so a reconnect replays part of a second we have
// seen; the cursor remembers the last timestamp and how many lines carried exactly it, and
// `admit` drops the replay precisely instead of deduplicating text after the fact.

export type LogCursor = {
  /** Timestamp of the last delivered line; null before the first line. */
  readonly lastTimestamp: string | null;
  /** How many delivered lines carried exactly `lastTimestamp`. */
  readonly seenAtLast: number;
};

export const START_CURSOR: LogCursor = { lastTimestamp: null, seenAtLast: 0 };

export type StampedLine = { timestamp: string; text: string };

export type ParsedLine =
  | { ok: true; line: StampedLine }
  | { ok: false; error: string };

/**
 * One connection's view of the cursor: the lines at `lastTimestamp` it still expects to see
 * replayed (and must drop) before new output. Start one per request with `beginRead`.
 */
export type LogRead = {
  readonly cursor: LogCursor;
  readonly replayToSkip: number;
};

export type Admission = {
  deliver: boolean;
  read: LogRead;
  /** Set when lines the cursor expected to be replayed are missing (rotated away: L10). */
  gap?: { missingAtLast: number; lastTimestamp: string; firstNew: string };
};

// 2024-01-01T00:00:00.123456789Z; shorter fractions are accepted and padded so order holds.
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

/** Splits `<timestamp> <text>`; a line without a valid prefix is a protocol error, not a crash. */
export function parseStampedLine(raw: string): ParsedLine {
  const space = raw.indexOf(" ");
  const prefix = space === -1 ? raw : raw.slice(0, space);
  const match = STAMP.exec(prefix);
  if (match === null) {
    const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
    return { ok: false, error: `log line has no RFC3339Nano timestamp prefix (was timestamps=true sent?): ${JSON.stringify(shown)}` };
  }
  const fraction = (match[2] ?? "").padEnd(9, "0");
  const text = space === -1 ? "" : raw.slice(space + 1);
  return { ok: true, line: { timestamp: `${match[1] ?? ""}.${fraction}Z`, text } };
}

/** The `sinceTime` to resume from: the last timestamp floored to the second; null = from the start. */
export function resumeSinceTime(cursor: LogCursor): string | null {
  if (cursor.lastTimestamp === null) return null;
  return `${cursor.lastTimestamp.slice(0, 19)}Z`;
}

/** A new request from this cursor expects its `seenAtLast` boundary lines again. */
export function beginRead(cursor: LogCursor): LogRead {
  return { cursor, replayToSkip: cursor.lastTimestamp === null ? 0 : cursor.seenAtLast };
}

/**
 * Decides one line: older than the cursor → drop; equal → drop while replayed boundary lines
 * remain, else deliver (equal timestamps count up); newer → deliver and move the cursor.
 */
export function admit(read: LogRead, line: StampedLine): Admission {
  const { cursor } = read;
  const last = cursor.lastTimestamp;
  if (last !== null && line.timestamp < last) return { deliver: false, read };
  if (last !== null && line.timestamp === last) {
    if (read.replayToSkip > 0) return { deliver: false, read: { cursor, replayToSkip: read.replayToSkip - 1 } };
    return { deliver: true, read: { cursor: { lastTimestamp: last, seenAtLast: cursor.seenAtLast + 1 }, replayToSkip: 0 } };
  }
  const next: LogRead = { cursor: { lastTimestamp: line.timestamp, seenAtLast: 1 }, replayToSkip: 0 };
  if (last !== null && read.replayToSkip > 0) {
    return { deliver: true, read: next, gap: { missingAtLast: read.replayToSkip, lastTimestamp: last, firstNew: line.timestamp } };
  }
  return { deliver: true, read: next };
}
