// Splits a byte stream into lines on "\n" bytes without decoding partial data: bytes are kept
// until a whole line is present, so a multi-byte UTF-8 character split across two chunks is
// decoded intact. A final partial line is emitted by flush() when the stream ends.

const NEWLINE = 0x0a;

export class LineSplitter {
  #pending: Buffer[] = [];
  #onLine: (text: string) => void;

  constructor(onLine: (text: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
      this.#emit(chunk.subarray(start, index));
      start = index + 1;
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
  }

  /** Emits what is left as a last line (a process that exits without a trailing newline). */
  flush(): void {
    if (this.#pending.length > 0) this.#emit(Buffer.alloc(0));
  }

  #emit(tail: Buffer): void {
    const bytes = this.#pending.length === 0 ? tail : Buffer.concat([...this.#pending, tail]);
    this.#pending = [];
    this.#onLine(bytes.toString("utf8"));
  }
}
