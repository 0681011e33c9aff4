// Functions that run IN the browser page (passed to playwright's addInitScript / evaluate): they
// must be self-contained, since playwright sends their source text, not their closures.

export type PageProbe = { __workerErrors?: string[]; __preambleFixed?: string[] };

/** In the page: start the UI's worker from its source, init it with the parser, parse each line. */
export async function runWorker(args: { workerSource: string; lines: string[] }): Promise<{ error: string | null; entries: unknown[][] }> {
  const source = await (await fetch("/api/adapters/claude_k8s/ui-parser.js")).text();
  const worker = new Worker(URL.createObjectURL(new Blob([args.workerSource], { type: "application/javascript" })));
  try {
    const ask = (message: object, expected: string) => new Promise<{ type: string; message?: string; entries?: unknown[] }>((resolve) => {
      worker.onmessage = (event) => { if (event.data.type === expected || event.data.type === "error") resolve(event.data); };
      worker.onerror = (event) => resolve({ type: "error", message: event.message });
      worker.postMessage(message);
    });
    const ready = await ask({ type: "init", source }, "ready");
    if (ready.type !== "ready") return { error: ready.message ?? "init failed", entries: [] };
    const entries: unknown[][] = [];
    for (const [id, line] of args.lines.entries()) entries.push((await ask({ type: "parse", id, line, ts: "2026-01-01T00:00:00.000Z" }, "result")).entries ?? []);
    return { error: null, entries };
  } finally {
    worker.terminate();
  }
}

/** Records the parser worker's errors in the page (observation only: the worker is unchanged). */
export function observeWorkers(): void {
  const seen: string[] = [];
  (window as unknown as { __workerErrors: string[] }).__workerErrors = seen;
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener("error", (event) => seen.push(event.message));
    }
  };
}

/** Applies the upstream fix to the parser worker's source, and nothing else, when the UI builds its Blob. */
export function neutralisePreambleBug(args: { marker: string; fixes: Array<[string, string]> }): void {
  const patched: string[] = [];
  (window as unknown as { __preambleFixed: string[] }).__preambleFixed = patched;
  const Original = window.Blob;
  window.Blob = class extends Original {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      const only = parts?.length === 1 && typeof parts[0] === "string" ? parts[0] : null;
      if (only !== null && only.includes(args.marker)) {
        let source = only;
        for (const [from, to] of args.fixes) {
          if (source.includes(from)) {
            source = source.replace(from, to);
            patched.push(from);
          }
        }
        super([source], options);
      } else super(parts, options);
    }
  };
}

