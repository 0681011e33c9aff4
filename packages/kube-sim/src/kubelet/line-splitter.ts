// Splits a byte stream into lines on "\n" bytes without decoding partial data: bytes are kept
// until a whole line is present, so a multi-byte UTF-8 character split across two chunks is
// decoded intact. A final partial line is emitted by flush() when the stream ends. As a
// container runtime reads lines (Go's bufio ReadLine), a "\r\n" ending loses its "\r" too.

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineSplitter {
  #pending: Buffer[] = [];
  #onLine: (text: string) => void;

  constructor(onLine: (text: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
      this.#emit(chunk.subarray(start, index), true);
      start = index + 1;
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
  }

  /** Emits what is left as a last line (a process that exits without a trailing newline). */
  flush(): void {
    if (this.#pending.length > 0) this.#emit(Buffer.alloc(0), false);
  }

  #emit(tail: Buffer, newlineEnded: boolean): void {
    const bytes = this.#pending.length === 0 ? tail : Buffer.concat([...this.#pending, tail]);
    this.#pending = [];
    const crlf = newlineEnded && bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN;
    this.#onLine((crlf ? bytes.subarray(0, -1) : bytes).toString("utf8"));
  }
}
