// The store's change log: a bounded window of recent events for watches that resume from a
// resourceVersion, the full per-object history for ground truth, and ordered, re-entrant-safe
// delivery to live watchers (a watcher may write to the store from inside its callback).
import type { ResourceType, StoreEvent } from "./types.ts";

export interface EventFilter {
  resource?: ResourceType;
  namespace?: string;
}

interface Watcher {
  filter: EventFilter;
  onEvent: (event: StoreEvent) => void;
  /** The newest resourceVersion delivered, so replay and live delivery never overlap. */
  delivered: number;
  active: boolean;
}

export function objectKey(resource: ResourceType, namespace: string | undefined, name: string): string {
  return `${resource.group}/${resource.resource}/${namespace ?? ""}/${name}`;
}

function matches(filter: EventFilter, event: StoreEvent): boolean {
  if (filter.resource && (filter.resource.group !== event.resource.group
    || filter.resource.resource !== event.resource.resource)) return false;
  return filter.namespace === undefined || event.object.metadata.namespace === filter.namespace;
}

export class EventLog {
  private readonly capacity: number;
  private window: StoreEvent[] = [];
  /** The resourceVersion just before the first event still in the window. */
  private oldestVersion = 0;
  private readonly perObject = new Map<string, StoreEvent[]>();
  private readonly watchers = new Set<Watcher>();
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;
  private readonly onWatcherError: (error: unknown) => void;

  constructor(capacity: number, onWatcherError: (error: unknown) => void) {
    this.capacity = capacity;
    this.onWatcherError = onWatcherError;
  }

  oldestWatchableVersion(): number {
    return this.oldestVersion;
  }

  /** Records a committed change and delivers it to watchers (after any delivery in progress). */
  record(event: StoreEvent): void {
    this.window.push(event);
    if (this.window.length > this.capacity) {
      const dropped = this.window.length - this.capacity;
      this.oldestVersion = this.window[dropped - 1]?.resourceVersion ?? this.oldestVersion;
      this.window = this.window.slice(dropped);
    }
    const key = objectKey(event.resource, event.object.metadata.namespace, event.object.metadata.name ?? "");
    const versions = this.perObject.get(key) ?? [];
    const { previous: _previous, ...withoutPrevious } = event;
    versions.push(withoutPrevious);
    this.perObject.set(key, versions);
    this.pending.push(event);
    this.drain();
  }

  history(key: string): StoreEvent[] {
    return (this.perObject.get(key) ?? []).map((e) => structuredClone(e));
  }

  /** Replays events after `since` (when given) and then delivers live ones; returns unsubscribe. */
  subscribe(filter: EventFilter, since: number | undefined, latest: number,
    onEvent: (event: StoreEvent) => void): () => void {
    const watcher: Watcher = { filter, onEvent, delivered: since ?? latest, active: true };
    if (since !== undefined) {
      for (const event of this.window) {
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
