// Events as the cluster's components record them: the Job controller and the kubelet through
// client-go's legacy recorder (count, firstTimestamp, lastTimestamp, source; a repeat of the same
// event raises its count), the scheduler through the events.k8s.io API (eventTime, action,
// series for repeats, empty source). Stored as core/v1 Events, so both APIs see them. Events
// expire after a TTL (the API server's --event-ttl, 1 h by default).
import { isNotFound } from "../store/errors.ts";
import { EVENTS } from "../store/resources.ts";
import type { KubeObject, Store } from "../store/types.ts";

export interface EventSource {
  component: string;
  /** The node, for the kubelet. */
  host?: string;
  /** "events.k8s.io" for components that use the new API (the scheduler): eventTime, action, series. */
  api?: "core" | "events.k8s.io";
  /** reportingInstance for events.k8s.io reporters, e.g. "default-scheduler-<host>". */
  instance?: string;
}

export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** The part of the object, e.g. `spec.containers{claude}`. */
  fieldPath?: string;
  /** events.k8s.io only: what was done, e.g. "Binding", "Scheduling". */
  action?: string;
}

export type RecordEvent = (object: KubeObject, event: EventInput) => void;

export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

function seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

function micros(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

function involvedObject(object: KubeObject, fieldPath: string | undefined): Record<string, unknown> {
  const meta = object.metadata;
  return { kind: object.kind, ...(meta.namespace ? { namespace: meta.namespace } : {}), name: meta.name ?? "",
    uid: meta.uid ?? "", apiVersion: object.apiVersion, resourceVersion: meta.resourceVersion ?? "",
    ...(fieldPath ? { fieldPath } : {}) };
}

export class EventRecorder {
  #store: Store;
  #ttlMs: number;
  #now: () => number;
  #names = new Map<string, { namespace: string; name: string }>(); // aggregation key -> stored event
  #sequence = 0n;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Store, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_EVENT_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A recorder bound to one reporting component. */
  recorderFor(source: EventSource): RecordEvent {
    return (object, event) => this.record(source, object, event);
  }

  record(source: EventSource, object: KubeObject, event: EventInput): void {
    const regarding = involvedObject(object, event.fieldPath);
    const namespace = object.metadata.namespace ?? "default";
    const key = JSON.stringify([source.component, source.host, regarding.kind, namespace, regarding.name, regarding.uid,
      event.fieldPath, event.type, event.reason, event.message]);
    const now = this.#now();
    const known = this.#names.get(key);
    if (known !== undefined && this.#repeat(known, source, now)) return;
    const name = `${String(regarding.name)}.${(BigInt(now) * 1_000_000n + this.#sequence++).toString(16)}`;
    const body = source.api === "events.k8s.io"
      ? { eventTime: micros(now), ...(event.action ? { action: event.action } : {}), source: {},
        reportingComponent: source.component, reportingInstance: source.instance ?? source.component }
      : { source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
        firstTimestamp: seconds(now), lastTimestamp: seconds(now), count: 1, eventTime: null,
        reportingComponent: source.component, reportingInstance: source.host ?? "" };
    try {
      this.#store.create(EVENTS, { apiVersion: "v1", kind: "Event", metadata: { name, namespace },
        involvedObject: regarding, reason: event.reason, message: event.message, type: event.type, ...body });
      this.#names.set(key, { namespace, name });
    } catch (error) {
      // The namespace may be going away with its objects; an event is never worth failing a write.
      if (!isNotFound(error)) console.error("kube-sim: could not record an event:", error);
    }
  }

  /** The same event again: count (or series.count) + 1. False when the stored event is gone. */
  #repeat(known: { namespace: string; name: string }, source: EventSource, now: number): boolean {
    try {
      this.#store.mutate(EVENTS, known.namespace, known.name, (stored) => {
        if (source.api === "events.k8s.io") {
          const series = stored.series as { count?: number } | undefined;
          stored.series = { count: (series?.count ?? 1) + 1, lastObservedTime: micros(now) };
        } else {
          stored.count = (typeof stored.count === "number" ? stored.count : 1) + 1;
          stored.lastTimestamp = seconds(now);
        }
      });
      return true;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return false;
    }
  }

  /** Starts the TTL sweep (every minute, or every TTL when shorter). */
  start(): void {
    this.#timer = setInterval(() => this.sweep(), Math.min(this.#ttlMs, 60_000));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Deletes every event (whoever wrote it) last seen more than the TTL ago. */
  sweep(): void {
    const cutoff = this.#now() - this.#ttlMs;
    for (const event of this.#store.list(EVENTS, undefined).items) {
      const series = event.series as { lastObservedTime?: string } | undefined;
      const seen = Date.parse(String(series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime
        ?? event.metadata.creationTimestamp ?? ""));
      if (Number.isNaN(seen) || seen > cutoff) continue;
      try {
        this.#store.delete(EVENTS, event.metadata.namespace, event.metadata.name ?? "");
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    for (const [key, { namespace, name }] of this.#names) {
      if (this.#store.tryGet(EVENTS, namespace, name) === undefined) this.#names.delete(key);
    }
  }
}
