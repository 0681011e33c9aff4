// Pure, incremental: bytes in (any chunking), stream-json items out. Lines are split on the
// `\n` byte and decoded whole, so a multi-byte UTF-8 character split across chunks stays intact.
import { parseClaudeLine } from "./events.ts";
import type { StreamItem } from "./events.ts";

export type { StreamItem } from "./events.ts";

const NEWLINE = 0x0a;
/** A line longer than this is cut (memory stays bounded); the rest up to the newline is dropped. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const TRUNCATION_MARK = " …[line truncated by claude-k8s]";

export interface StreamJsonParserOptions {
  maxLineBytes?: number;
}

export interface StreamJsonParser {
  /** Feed a chunk; returns the items of every line it completed. */
  push(chunk: Uint8Array): StreamItem[];
  /** End of input: the last line, if it had no trailing newline. */
  flush(): StreamItem[];
}

/** Splits bytes into lines without re-scanning: the search resumes where the last one stopped. */
export class ByteLineSplitter {
  #buf = new Uint8Array(64 * 1024);
  #len = 0;
  #scanned = 0;
  #discarding = false;
  readonly #decoder = new TextDecoder("utf-8");
  readonly #maxLineBytes: number;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  push(chunk: Uint8Array, onLine: (line: string) => void): void {
    this.#append(chunk);
    let start = 0;
    // Search only the filled part: the buffer's spare capacity holds stale bytes, and scanning
    // it on every chunk of a long line would make that line quadratic.
    const filled = this.#buf.subarray(0, this.#len);
    for (let nl = filled.indexOf(NEWLINE, this.#scanned); nl !== -1; nl = filled.indexOf(NEWLINE, start)) {
      if (this.#discarding) this.#discarding = false;
      else onLine(this.#decodeCapped(start, nl));
      start = nl + 1;
    }
    // Only the partial line after the last newline is kept; copying it is O(chunk).
    if (start > 0) {
      this.#buf.copyWithin(0, start, this.#len);
      this.#len -= start;
    }
    this.#scanned = this.#len;
    if (this.#len > this.#maxLineBytes) {
      if (!this.#discarding) onLine(this.#decodeCapped(0, this.#len));
      this.#discarding = true;
      this.#len = 0;
      this.#scanned = 0;
    }
  }

  flush(onLine: (line: string) => void): void {
    if (this.#len > 0 && !this.#discarding) onLine(this.#decoder.decode(this.#buf.subarray(0, this.#len)));
    this.#len = 0;
    this.#scanned = 0;
    this.#discarding = false;
  }

  #decodeCapped(start: number, end: number): string {
    if (end - start <= this.#maxLineBytes) return this.#decoder.decode(this.#buf.subarray(start, end));
    return this.#decoder.decode(this.#buf.subarray(start, start + this.#maxLineBytes)) + TRUNCATION_MARK;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#len + chunk.length;
    if (needed > this.#buf.length) {
      let size = this.#buf.length;
      while (size < needed) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.#buf.subarray(0, this.#len));
      this.#buf = bigger;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = needed;
  }
}

export function createStreamJsonParser(options: StreamJsonParserOptions = {}): StreamJsonParser {
  const splitter = new ByteLineSplitter(options.maxLineBytes);
  return {
    push(chunk) {
      const items: StreamItem[] = [];
      splitter.push(chunk, (line) => items.push(parseClaudeLine(line)));
      return items;
    },
    flush() {
      const items: StreamItem[] = [];
      splitter.flush((line) => items.push(parseClaudeLine(line)));
      return items;
    },
  };
}

/** Convenience for whole transcripts (fixtures, a fully read log). */
export function parseStreamJson(text: string | Uint8Array): StreamItem[] {
  const parser = createStreamJsonParser();
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return [...parser.push(bytes), ...parser.flush()];
}
