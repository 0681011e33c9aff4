// The store's change log: per resource type, a bounded window of recent events for watches that
// resume from a resourceVersion (the API server's watch cache); the full per-object history for
// ground truth and `resourceVersionMatch=Exact` lists; and ordered, re-entrant-safe delivery to
// live watchers (a watcher may write to the store from inside its callback).
import type { KubeObject, ResourceType, StoreEvent } from "./types.ts";

/**
 * The watch window's defaults, in the range of a real API server's watch cache: it keeps at least
 * 100 events per resource type (defaultLowerBoundCapacity) and aims to keep 75 s of them
 * (eventFreshDuration), k8s.io/apiserver/pkg/storage/cacher/watch_cache.go. kube-sim applies
 * both as hard bounds, so clients meet 410 Expired at least as often as on a cluster.
 */
export const DEFAULT_HISTORY_LIMIT = 100;
export const DEFAULT_HISTORY_MAX_AGE_MS = 75_000;

export interface EventFilter {
  resource?: ResourceType;
  namespace?: string;
}

/** How long events stay replayable, per resource type; whichever bound is passed first drops them. */
export interface WindowBounds {
  /** Events kept per resource type. */
  perResource: number;
  /** Events older than this are dropped (Infinity: never by age). */
  maxAgeMs: number;
  now: () => number;
}

interface Watcher {
  filter: EventFilter;
  onEvent: (event: StoreEvent) => void;
  /** The newest resourceVersion delivered, so replay and live delivery never overlap. */
  delivered: number;
  active: boolean;
}

interface ResourceWindow {
  events: { event: StoreEvent; at: number }[];
  /** The resourceVersion just before the first event still in the window. */
  oldest: number;
}

export function objectKey(resource: ResourceType, namespace: string | undefined, name: string): string {
  return `${resource.group}/${resource.resource}/${namespace ?? ""}/${name}`;
}

function typeKey(resource: ResourceType): string {
  return `${resource.group}/${resource.resource}`;
}

function matches(filter: EventFilter, event: StoreEvent): boolean {
  if (filter.resource && typeKey(filter.resource) !== typeKey(event.resource)) return false;
  return filter.namespace === undefined || event.object.metadata.namespace === filter.namespace;
}

export class EventLog {
  private readonly bounds: WindowBounds;
  private readonly windows = new Map<string, ResourceWindow>();
  /** Where every window starts: what was written before (the store's bootstrap) is not replayable. */
  private startVersion = 0;
  private readonly perObject = new Map<string, StoreEvent[]>();
  private readonly watchers = new Set<Watcher>();
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;
  private readonly onWatcherError: (error: unknown) => void;

  constructor(bounds: WindowBounds, onWatcherError: (error: unknown) => void) {
    this.bounds = bounds;
    this.onWatcherError = onWatcherError;
  }

  /** Starts every window at `version`, as a real watch cache starts at the revision it first listed. */
  openWindows(version: number): void {
    this.startVersion = version;
    this.windows.clear();
  }

  /**
   * The oldest resourceVersion a watch on `resource` may start from; without a resource, the
   * oldest from which every type's window is still complete.
   */
  oldestWatchableVersion(resource?: ResourceType): number {
    if (resource) return this.prunedWindow(typeKey(resource))?.oldest ?? this.startVersion;
    let oldest = this.startVersion;
    for (const key of this.windows.keys()) oldest = Math.max(oldest, this.prunedWindow(key)?.oldest ?? oldest);
    return oldest;
  }

  /** Records a committed change and delivers it to watchers (after any delivery in progress). */
  record(event: StoreEvent): void {
    const key = typeKey(event.resource);
    const window = this.prunedWindow(key) ?? { events: [], oldest: this.startVersion };
    this.windows.set(key, window);
    window.events.push({ event, at: this.bounds.now() });
    const excess = window.events.length - this.bounds.perResource;
    if (excess > 0) this.dropOldest(window, excess);
    const objectId = objectKey(event.resource, event.object.metadata.namespace, event.object.metadata.name ?? "");
    const versions = this.perObject.get(objectId) ?? [];
    const { previous: _previous, ...withoutPrevious } = event;
    versions.push(withoutPrevious);
    this.perObject.set(objectId, versions);
    this.pending.push(event);
    this.drain();
  }

  history(key: string): StoreEvent[] {
    return (this.perObject.get(key) ?? []).map((e) => structuredClone(e));
  }

  /** Every object of `resource` as it was at `version` (from the full history), by object key. */
  stateAt(resource: ResourceType, version: number): Map<string, KubeObject> {
    const prefix = `${typeKey(resource)}/`;
    const state = new Map<string, KubeObject>();
    for (const [key, versions] of this.perObject) {
      if (!key.startsWith(prefix)) continue;
      const last = versions.findLast((e) => e.resourceVersion <= version);
      if (last && last.type !== "DELETED") state.set(key.slice(prefix.length), structuredClone(last.object));
    }
    return state;
  }

  /** Replays events after `since` (when given) and then delivers live ones; returns unsubscribe. */
  subscribe(filter: EventFilter, since: number | undefined, latest: number,
    onEvent: (event: StoreEvent) => void): () => void {
    const watcher: Watcher = { filter, onEvent, delivered: since ?? latest, active: true };
    if (since !== undefined) {
      for (const event of this.replayable(filter.resource)) {
        if (event.resourceVersion > since) this.deliver(watcher, event);
        if (!watcher.active) break;
      }
    }
    watcher.delivered = Math.max(watcher.delivered, latest);
    this.watchers.add(watcher);
    return () => {
      watcher.active = false;
      this.watchers.delete(watcher);
    };
  }

  /** The events still in the window(s), oldest first. */
  private replayable(resource: ResourceType | undefined): StoreEvent[] {
    const keys = resource ? [typeKey(resource)] : [...this.windows.keys()];
    const events = keys.flatMap((key) => this.prunedWindow(key)?.events.map((e) => e.event) ?? []);
    return resource ? events : events.sort((a, b) => a.resourceVersion - b.resourceVersion);
  }

  /** The window of one type with events past `maxAgeMs` dropped. */
  private prunedWindow(key: string): ResourceWindow | undefined {
    const window = this.windows.get(key);
    if (!window || !Number.isFinite(this.bounds.maxAgeMs)) return window;
    const cutoff = this.bounds.now() - this.bounds.maxAgeMs;
    const stale = window.events.findIndex((e) => e.at >= cutoff);
    this.dropOldest(window, stale === -1 ? window.events.length : stale);
    return window;
  }

  private dropOldest(window: ResourceWindow, count: number): void {
    if (count <= 0) return;
    window.oldest = window.events[count - 1]?.event.resourceVersion ?? window.oldest;
    window.events.splice(0, count);
  }

  private drain(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let event = this.pending.shift(); event; event = this.pending.shift()) {
        for (const watcher of [...this.watchers]) this.deliver(watcher, event);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private deliver(watcher: Watcher, event: StoreEvent): void {
    if (!watcher.active || event.resourceVersion <= watcher.delivered) return;
    watcher.delivered = event.resourceVersion;
    if (!matches(watcher.filter, event)) return;
    try {
      watcher.onEvent(structuredClone(event));
    } catch (error) {
      this.onWatcherError(error);
    }
  }
}
