// A list-then-watch informer that does not stop until its signal aborts. The resourceVersion it
// resumes from lives in one variable of one loop (runInformer) and only that loop moves it:
// events and BOOKMARKs advance it; a 410 (ERROR event or a gone error), silence longer than
// `silenceMs` or the periodic resync clear the way for a fresh list, whose differences with the
// cache are replayed as ADDED/MODIFIED/DELETED; any other error or a silent end re-watches from
// the last resourceVersion after a capped backoff that resets once the watch makes progress.
import { Watch } from "@kubernetes/client-node";
import type { KubeConfig, V1ObjectMeta } from "@kubernetes/client-node";
import { classifyKubeError, classifyStatus } from "./errors.ts";
import type { KubeError } from "./errors.ts";
import { abortableSleep, retryDelayMs } from "./retry.ts";
import type { Sleep } from "./retry.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";
export type WatchedObject = { metadata?: V1ObjectMeta };
export type ListResult<T> = { items: T[]; metadata?: { resourceVersion?: string } };

export type WatchResourcesOptions<T extends WatchedObject> = {
  kubeConfig: KubeConfig;
  /** e.g. /apis/batch/v1/namespaces/NS/jobs (one namespace: the cache is keyed by name). */
  path: string;
  labelSelector?: string;
  signal: AbortSignal;
  onEvent: (type: WatchEventType, object: T) => void;
  /** Called once, after the first list has been applied to the cache. */
  onSynced?: () => void;
  /** Every error met (the informer keeps going); for logs and metrics. */
  onError?: (error: KubeError) => void;
  /** Force a fresh list this often even when all is well (safety net); 0 turns it off. */
  resyncMs?: number;
  /** Force a fresh list after this long without any event or BOOKMARK. */
  silenceMs?: number;
  backoff?: { baseDelayMs?: number; maxDelayMs?: number; random?: () => number };
  list: () => Promise<ListResult<T>>;
  sleep?: Sleep;
};

export type ResourceCache<T> = { get(name: string): T | undefined; list(): T[] };
export type WatchHandle<T> = {
  cache: ResourceCache<T>;
  /** Resolves once the informer has stopped after the abort (never rejects). */
  done: Promise<void>;
};

export const WATCH_DEFAULTS = { resyncMs: 10 * 60_000, silenceMs: 5 * 60_000, baseDelayMs: 200, maxDelayMs: 30_000 } as const;

/** Replays a fresh list against the cache: what vanished, appeared or changed (by resourceVersion). */
export function diffRelist<T extends WatchedObject>(cached: ReadonlyMap<string, T>, items: readonly T[]): { type: WatchEventType; object: T }[] {
  const events: { type: WatchEventType; object: T }[] = [];
  const listedNames = new Set<string>();
  for (const item of items) {
    const name = item.metadata?.name;
    if (!name) continue;
    listedNames.add(name);
    const before = cached.get(name);
    if (!before) events.push({ type: "ADDED", object: item });
    else if (before.metadata?.resourceVersion !== item.metadata?.resourceVersion) events.push({ type: "MODIFIED", object: item });
  }
  for (const [name, object] of cached) if (!listedNames.has(name)) events.push({ type: "DELETED", object });
  return events;
}

/**
 * What a watch event means for the cache: the type to report, or null when it changes nothing
 * (a version already seen, a DELETED for an object not held).
 */
export function eventTransition<T extends WatchedObject>(cached: T | undefined, type: WatchEventType, object: T): WatchEventType | null {
  if (type === "DELETED") return cached ? "DELETED" : null;
  if (!cached) return "ADDED";
  return cached.metadata?.resourceVersion === object.metadata?.resourceVersion ? null : "MODIFIED";
}

/** Starts the informer; it runs until `options.signal` aborts. */
export function watchResources<T extends WatchedObject>(options: WatchResourcesOptions<T>): WatchHandle<T> {
  const settings = validateWatchOptions(options);
  const objects = new Map<string, T>();
  const cache: ResourceCache<T> = { get: (name) => objects.get(name), list: () => [...objects.values()] };
  const done = runInformer(settings, objects).catch(() => undefined);
  return { cache, done };
}

type Settings<T extends WatchedObject> = WatchResourcesOptions<T> & { resyncMs: number; silenceMs: number; baseDelayMs: number; maxDelayMs: number; random: () => number; sleep: Sleep };

function validateWatchOptions<T extends WatchedObject>(options: WatchResourcesOptions<T>): Settings<T> {
  if (!options.path.startsWith("/")) throw new TypeError(`watchResources: path must start with "/", got ${JSON.stringify(options.path)}`);
  const settings: Settings<T> = {
    ...options,
    resyncMs: options.resyncMs ?? WATCH_DEFAULTS.resyncMs,
    silenceMs: options.silenceMs ?? WATCH_DEFAULTS.silenceMs,
    baseDelayMs: options.backoff?.baseDelayMs ?? WATCH_DEFAULTS.baseDelayMs,
    maxDelayMs: options.backoff?.maxDelayMs ?? WATCH_DEFAULTS.maxDelayMs,
    random: options.backoff?.random ?? Math.random,
    sleep: options.sleep ?? abortableSleep,
  };
  for (const key of ["resyncMs", "silenceMs", "baseDelayMs", "maxDelayMs"] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0) throw new RangeError(`watchResources: ${key} must be a finite number >= 0, got ${settings[key]}`);
  }
  if (settings.silenceMs === 0) throw new RangeError("watchResources: silenceMs must be > 0 (it is how a dead watch is noticed)");
  return settings;
}

type WatchOutcome = { end: "gone" | "error" | "ended" | "silent" | "resync" | "aborted"; progressed: boolean; error?: KubeError };

async function runInformer<T extends WatchedObject>(settings: Settings<T>, objects: Map<string, T>): Promise<void> {
  const { signal } = settings;
  let resourceVersion: string | null = null; // the position: moved only here
  let listedAt = 0;
  let failures = 0;
  let synced = false;
  const emit = emitter(settings, objects);
  while (!signal.aborted) {
    try {
      if (resourceVersion === null) {
        const listed = await settings.list();
        if (signal.aborted) return;
        for (const event of diffRelist(objects, listed.items)) emit(event.type, event.object);
        resourceVersion = listed.metadata?.resourceVersion ?? "";
        listedAt = Date.now();
        failures = 0;
        if (!synced) { synced = true; settings.onSynced?.(); }
      }
      const resyncInMs = settings.resyncMs > 0 ? Math.max(0, listedAt + settings.resyncMs - Date.now()) : Infinity;
      const outcome = await watchOnce(settings, resourceVersion, resyncInMs, emit, (version) => { resourceVersion = version; });
      if (outcome.end === "aborted") return;
      if (outcome.error) report(settings, outcome.error);
      if (outcome.end === "gone" || outcome.end === "silent" || outcome.end === "resync") resourceVersion = null;
      failures = outcome.progressed ? 0 : failures + 1;
      if (outcome.end === "resync" || (outcome.progressed && outcome.end !== "error")) continue;
    } catch (error) {
      if (signal.aborted) return;
      report(settings, classifyKubeError(error));
      failures++;
    }
    if (failures > 0) await backoff(settings, failures);
  }
}

function emitter<T extends WatchedObject>(settings: Settings<T>, objects: Map<string, T>) {
  return (type: WatchEventType, object: T): void => {
    const name = object.metadata?.name;
    if (!name || settings.signal.aborted) return;
    const transition = eventTransition(objects.get(name), type, object);
    if (transition === null) return;
    if (transition === "DELETED") objects.delete(name);
    else objects.set(name, object);
    try {
      settings.onEvent(transition, object);
    } catch (error) {
      // A handler's bug must not stop the informer; it is reported, not rethrown.
      report(settings, classifyKubeError(error));
    }
  };
}

function watchOnce<T extends WatchedObject>(settings: Settings<T>, resourceVersion: string, resyncInMs: number,
  emit: (type: WatchEventType, object: T) => void, advance: (version: string) => void): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve) => {
    let settled = false;
    let progressed = false;
    let request: AbortController | undefined;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const resync = Number.isFinite(resyncInMs) ? setTimeout(() => finish("resync"), resyncInMs) : undefined;
    const finish = (end: WatchOutcome["end"], error?: KubeError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(silence);
      clearTimeout(resync);
      settings.signal.removeEventListener("abort", onAbort);
      request?.abort();
      resolve({ end, progressed, ...(error ? { error } : {}) });
    };
    const onAbort = (): void => finish("aborted");
    const heardFrom = (): void => {
      clearTimeout(silence);
      silence = setTimeout(() => finish("silent"), settings.silenceMs);
    };
    settings.signal.addEventListener("abort", onAbort, { once: true });
    heardFrom();
    const query = { resourceVersion, allowWatchBookmarks: true, ...(settings.labelSelector ? { labelSelector: settings.labelSelector } : {}) };
    const onLine = (type: string, object: unknown): void => {
      if (settled) return;
      heardFrom();
      if (type === "ERROR") {
        const error = classifyStatus(object);
        finish(error.kind === "gone" ? "gone" : "error", error);
        return;
      }
      const version = (object as WatchedObject | null)?.metadata?.resourceVersion;
      if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") emit(type, object as T);
      if (version) advance(version);
      progressed = true;
    };
    const onDone = (error: unknown): void => {
      if (!error) return finish("ended");
      const classified = classifyKubeError(error);
      finish(classified.kind === "gone" ? "gone" : "error", classified);
    };
    new Watch(settings.kubeConfig).watch(settings.path, query, onLine, onDone).then(
      (controller) => { request = controller; if (settled) controller.abort(); },
      (error: unknown) => onDone(error ?? new Error("watch failed")),
    );
  });
}

async function backoff<T extends WatchedObject>(settings: Settings<T>, failures: number): Promise<void> {
  const delay = retryDelayMs({ attempt: failures, error: { retryAfterMs: null }, baseDelayMs: settings.baseDelayMs, maxDelayMs: settings.maxDelayMs, remainingMs: Infinity, random: settings.random() });
  try {
    await settings.sleep(delay, settings.signal);
  } catch {
    // Aborted: the loop condition ends the informer.
  }
}

function report<T extends WatchedObject>(settings: Settings<T>, error: KubeError): void {
  if (settings.signal.aborted) return;
  try {
    settings.onError?.(error);
  } catch {
    // An error reporter that throws is ignored rather than stopping the informer.
  }
}
