// A de-duplicating work queue drained on a later turn of the event loop: store watchers run
// synchronously inside the write that caused them, so controllers must never write from there.
// Also owns the controllers' timers, so stop() clears everything at once.

export class WorkQueue {
  #pending = new Set<string>();
  #scheduled: NodeJS.Immediate | undefined;
  #timers = new Map<string, NodeJS.Timeout>();
  #work: (key: string) => void;
  #stopped = false;

  constructor(work: (key: string) => void) {
    this.#work = work;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    this.#scheduled ??= setImmediate(() => this.#drain());
  }

  /** Adds `key` again at `atMs` (wall clock); an earlier request for the same key wins. */
  addAt(key: string, atMs: number): void {
    if (this.#stopped) return;
    const timerKey = `${key}@${atMs}`;
    if (this.#timers.has(timerKey)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timerKey);
      this.add(key);
    }, Math.max(0, atMs - Date.now()));
    this.#timers.set(timerKey, timer);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#pending.clear();
  }

  #drain(): void {
    this.#scheduled = undefined;
    const keys = [...this.#pending];
    this.#pending.clear();
    for (const key of keys) {
      if (this.#stopped) return;
      try {
        this.#work(key);
      } catch (error) {
        console.error(`kube-sim: reconciling ${key} failed; retrying in 100 ms:`, error);
        this.addAt(key, Date.now() + 100);
      }
    }
  }
}
