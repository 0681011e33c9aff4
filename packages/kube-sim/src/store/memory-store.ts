// The in-memory object store: one global resourceVersion, optimistic concurrency, finalizers and
// deletion propagation, and a change log that watches replay from.
import { randomUUID } from "node:crypto";
import { admissionFor } from "./admission.ts";
import { DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_MAX_AGE_MS, EventLog, objectKey } from "./event-log.ts";
import { coreFromEventsV1, eventsV1FromCore, isEventsV1 } from "./event-versions.ts";
import { randomSuffix } from "./names.ts";
import { checkPreconditions, podGracePeriod } from "./deletion-rules.ts";
import {
  alreadyExists, badRequest, invalid, namespaceNotFound, notFound, staleConflict, expired, resourceExpired, LIST_TOO_OLD,
} from "./errors.ts";
import { omitEmpty } from "./omitempty.ts";
import { EVENTS, NAMESPACES, PODS, apiVersionOf, definitionOf, STORED_RESOURCES } from "./resources.ts";
import type { ResourceDefinition } from "./resources.ts";
import { fieldSelectorPredicate, labelSelectorPredicate } from "./selectors.ts";
import type {
  DeleteOptions, KubeObject, ListOptions, ListResult, ResourceType, Store, StoreEvent, WatchEventType,
} from "./types.ts";

export interface MemoryStoreOptions {
  /** How many recent events per resource type a watch may resume from (older → 410 Expired). */
  historyLimit?: number;
  /** How long an event stays replayable (older → 410 Expired); Infinity keeps events by count only. */
  historyMaxAgeMs?: number;
  now?: () => Date;
  /** Namespaces that exist from the start. */
  namespaces?: string[];
  onWatcherError?: (error: unknown) => void;
}

export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Everything but metadata.resourceVersion, for detecting no-op writes. */
function contentOf(object: KubeObject): string {
  return JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: undefined } });
}

function specOf(object: KubeObject): string {
  return JSON.stringify(object.spec ?? null);
}

interface ContinueToken { rv: number; after: string }

export class MemoryStore implements Store {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private version = 0;
  private readonly log: EventLog;
  private readonly now: () => Date;
  private dryRunning = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    const now = this.now;
    this.log = new EventLog({ perResource: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
      maxAgeMs: options.historyMaxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS, now: () => now().getTime() },
    options.onWatcherError ?? ((error) => console.error("kube-sim: a store watcher threw:", error)));
    for (const name of options.namespaces ?? ["default", "kube-system"]) {
      this.create(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    }
    // A real watch cache starts at the revision of its first list: the bootstrap is not replayable.
    this.log.openWindows(this.version);
  }

  /**
   * Runs `write` with every commit skipped (the API's `dryRun=All`): validation, defaults and
   * conflicts as usual, the answer as it would be, nothing stored and no event.
   */
  dryRun<T>(write: () => T): T {
    this.dryRunning = true;
    try {
      return write();
    } finally {
      this.dryRunning = false;
    }
  }

  currentResourceVersion(): number {
    return this.version;
  }

  /** The oldest resourceVersion a watch on `resource` (or on everything) may start from. */
  oldestWatchableVersion(resource?: ResourceType): number {
    return this.log.oldestWatchableVersion(resource);
  }

  create(resource: ResourceType, input: KubeObject): KubeObject {
    if (isEventsV1(resource)) return eventsV1FromCore(this.create(EVENTS, coreFromEventsV1(input)));
    const def = definitionOf(resource);
    const object = structuredClone(input);
    object.apiVersion = apiVersionOf(def);
    object.kind = def.kind;
    const meta = (object.metadata ??= {});
    this.placeInNamespace(def, object);
    if (!meta.name) {
      if (!meta.generateName) {
        throw invalid(def, "", [{ reason: "FieldValueRequired", field: "metadata.name",
          message: "Required value: name or generateName is required" }]);
      }
      meta.name = this.generateName(def, meta.namespace, meta.generateName);
    }
    if (this.table(def).has(this.key(meta.namespace, meta.name))) throw alreadyExists(def, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339Seconds(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (object.spec !== undefined) meta.generation = 1;
    const admission = admissionFor(def);
    // Before defaulting too: Go decodes an omitempty zero or a null exactly as an absent field.
    omitEmpty(object);
    admission.prepareCreate?.(object);
    admission.normalize?.(object);
    omitEmpty(object);
    this.validate(def, object);
    return this.commit(def, "ADDED", object);
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.tryGet(resource, namespace, name);
    if (!found) throw notFound(definitionOf(resource), name);
    return found;
  }

  tryGet(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const def = definitionOf(resource);
    const found = this.table(def).get(this.key(def.namespaced ? namespace : undefined, name));
    if (found && isEventsV1(def)) return eventsV1FromCore(found);
    return found ? structuredClone(found) : undefined;
  }

  list(resource: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const def = definitionOf(resource);
    const labelMatch = labelSelectorPredicate(options.labelSelector);
    const fieldMatch = fieldSelectorPredicate(options.fieldSelector, def);
    const token = options.continue ? this.parseContinue(options.continue) : undefined;
    const exact = options.resourceVersionMatch === "Exact" ? options.resourceVersion : undefined;
    const table = exact === undefined ? this.table(def) : this.tableAt(def, exact);
    const keys = [...table.keys()].sort();
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (const key of keys) {
      if (token && key <= token.after) continue;
      const stored = table.get(key);
      if (!stored || (def.namespaced && namespace !== undefined && stored.metadata.namespace !== namespace)) continue;
      const object = isEventsV1(def) ? eventsV1FromCore(stored) : stored;
      if (!labelMatch(object) || !fieldMatch(object)) continue;
      if (options.limit !== undefined && options.limit > 0 && items.length >= options.limit) { more = true; break; }
      items.push(structuredClone(object));
      lastKey = key;
    }
    const rv = token?.rv ?? exact ?? this.version;
    const result: ListResult = { items, resourceVersion: String(rv) };
    if (more && lastKey !== undefined) {
      result.continue = Buffer.from(JSON.stringify({ rv, after: lastKey } satisfies ContinueToken)).toString("base64url");
    }
    return result;
  }

  /**
   * The objects of one type as they were at `version` (`resourceVersionMatch=Exact`). kube-sim
   * compacts what has left the watch window: older versions answer 410, as etcd's compacted ones do.
   */
  private tableAt(def: ResourceDefinition, version: number): Map<string, KubeObject> {
    if (version >= this.version) return this.table(def);
    if (version < this.oldestWatchableVersion(def)) throw resourceExpired(LIST_TOO_OLD);
    return this.log.stateAt(def, version);
  }

  update(resource: ResourceType, input: KubeObject, options: { subresource?: "status" } = {}): KubeObject {
    if (isEventsV1(resource)) return eventsV1FromCore(this.update(EVENTS, coreFromEventsV1(input), options));
    const def = definitionOf(resource);
    const name = input.metadata?.name ?? "";
    const existing = this.stored(def, def.namespaced ? input.metadata?.namespace : undefined, name);
    const expected = input.metadata?.resourceVersion;
    if (expected !== undefined && expected !== "" && expected !== existing.metadata.resourceVersion) {
      throw staleConflict(def, name);
    }
    let next: KubeObject;
    if (options.subresource === "status") {
      next = structuredClone(existing);
      if (input.status === undefined) delete next.status;
      else next.status = structuredClone(input.status);
    } else {
      next = structuredClone(input);
      if (def.hasStatusSubresource) {
        if (existing.status === undefined) delete next.status;
        else next.status = structuredClone(existing.status);
      }
      this.checkUpdate(def, next, existing);
    }
    return this.write(def, existing, next);
  }

  mutate(resource: ResourceType, namespace: string | undefined, name: string,
    change: (object: KubeObject) => void): KubeObject {
    if (isEventsV1(resource)) {
      return eventsV1FromCore(this.mutate(EVENTS, namespace, name, (core) => {
        const view = eventsV1FromCore(core);
        change(view);
        for (const key of Object.keys(core)) delete core[key];
        Object.assign(core, coreFromEventsV1(view));
      }));
    }
    const def = definitionOf(resource);
    const existing = this.stored(def, namespace, name);
    const next = structuredClone(existing);
    change(next);
    return this.write(def, existing, next);
  }

  delete(resource: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    if (isEventsV1(resource)) return eventsV1FromCore(this.delete(EVENTS, namespace, name, options));
    const def = definitionOf(resource);
    const existing = this.stored(def, namespace, name);
    checkPreconditions(def, existing, options);
    const policy = options.propagationPolicy ?? def.defaultPropagation;
    const uid = existing.metadata.uid ?? "";
    if (def === NAMESPACES) this.deleteNamespaceContents(existing.metadata.name ?? "");
    if (def === PODS) {
      const graceful = this.deletePodGracefully(def, existing, options);
      if (graceful) return graceful;
    }
    if (existing.metadata.deletionTimestamp) {
      const finalizers = existing.metadata.finalizers ?? [];
      if (policy !== "Foreground" || finalizers.includes(FOREGROUND_FINALIZER)) return structuredClone(existing);
      return this.markDeleting(def, existing, [...finalizers, FOREGROUND_FINALIZER]);
    }
    if (policy === "Orphan") {
      const marked = this.markDeleting(def, existing, [...existing.metadata.finalizers ?? [], ORPHAN_FINALIZER]);
      this.orphanDependents(uid);
      this.removeFinalizer(def, marked, ORPHAN_FINALIZER);
      return marked;
    }
    if (policy === "Foreground" && this.dependentsOf(uid).length > 0) {
      return this.markDeleting(def, existing, [...existing.metadata.finalizers ?? [], FOREGROUND_FINALIZER]);
    }
    if ((existing.metadata.finalizers ?? []).length > 0) {
      return this.markDeleting(def, existing, existing.metadata.finalizers ?? []);
    }
    return this.commit(def, "DELETED", structuredClone(existing));
  }

  watch(resource: ResourceType | undefined, namespace: string | undefined, sinceResourceVersion: number | undefined,
    onEvent: (event: StoreEvent) => void): () => void {
    if (resource && isEventsV1(resource)) {
      return this.watch(EVENTS, namespace, sinceResourceVersion, (event) => onEvent({ ...event, resource,
        object: eventsV1FromCore(event.object), ...(event.previous ? { previous: eventsV1FromCore(event.previous) } : {}) }));
    }
    const oldest = this.oldestWatchableVersion(resource);
    if (sinceResourceVersion !== undefined && sinceResourceVersion < oldest) throw expired(sinceResourceVersion, oldest);
    const filter = { ...(resource ? { resource } : {}), ...(namespace !== undefined ? { namespace } : {}) };
    return this.log.subscribe(filter, sinceResourceVersion, this.version, onEvent);
  }

  history(resource: ResourceType, namespace: string | undefined, name: string): StoreEvent[] {
    const def = definitionOf(isEventsV1(resource) ? EVENTS : resource);
    return this.log.history(objectKey(def, def.namespaced ? namespace : undefined, name));
  }

  /** Objects of any stored type whose ownerReferences name `ownerUid`. */
  dependentsOf(ownerUid: string): { resource: ResourceDefinition; object: KubeObject }[] {
    const found: { resource: ResourceDefinition; object: KubeObject }[] = [];
    for (const resource of STORED_RESOURCES) {
      if (isEventsV1(resource)) continue; // the core events table, seen through another API
      for (const object of this.table(resource).values()) {
        if (object.metadata.ownerReferences?.some((ref) => ref.uid === ownerUid)) {
          found.push({ resource, object: structuredClone(object) });
        }
      }
    }
    return found;
  }

  private table(def: ResourceType): Map<string, KubeObject> {
    const key = isEventsV1(def) ? "/events" : `${def.group}/${def.resource}`;
    let table = this.objects.get(key);
    if (!table) {
      table = new Map();
      this.objects.set(key, table);
    }
    return table;
  }

  private key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ""}/${name}`;
  }

  private stored(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject {
    const found = this.table(def).get(this.key(def.namespaced ? namespace : undefined, name));
    if (!found) throw notFound(def, name);
    return found;
  }

  private placeInNamespace(def: ResourceDefinition, object: KubeObject): void {
    if (!def.namespaced) {
      delete object.metadata.namespace;
      return;
    }
    const namespace = object.metadata.namespace;
    if (!namespace) throw badRequest(`metadata.namespace is required to create ${def.resource}: set it or post to /namespaces/NAME/${def.resource}`);
    if (!this.table(NAMESPACES).has(this.key(undefined, namespace))) throw namespaceNotFound(namespace);
  }

  private generateName(def: ResourceDefinition, namespace: string | undefined, prefix: string): string {
    for (let attempt = 0; attempt < 20; attempt++) {
      const name = `${prefix}${randomSuffix()}`;
      if (!this.table(def).has(this.key(namespace, name))) return name;
    }
    throw alreadyExists(def, `${prefix}*`);
  }

  private validate(def: ResourceDefinition, object: KubeObject): void {
    const causes = admissionFor(def).validate(object);
    if (causes.length > 0) throw invalid(def, object.metadata.name ?? "", causes);
  }

  /** Immutable fields: what an API update may not change (scheme defaults applied first, as on decode). */
  private checkUpdate(def: ResourceDefinition, next: KubeObject, existing: KubeObject): void {
    const admission = admissionFor(def);
    if (!admission.validateUpdate) return;
    next.metadata ??= {};
    admission.normalize?.(next);
    const causes = admission.validateUpdate(next, existing);
    if (causes.length > 0) throw invalid(def, existing.metadata.name ?? "", causes);
  }

  /** Stores `next` as the new state of `existing`: keeps identity, bumps generation, ends deletions. */
  private write(def: ResourceDefinition, existing: KubeObject, next: KubeObject): KubeObject {
    next.apiVersion = apiVersionOf(def);
    next.kind = def.kind;
    const meta = (next.metadata ??= {});
    for (const field of ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
      "deletionGracePeriodSeconds", "generation"] as const) {
      if (existing.metadata[field] === undefined) delete meta[field];
      else meta[field] = existing.metadata[field] as never;
    }
    if (meta.generation !== undefined && specOf(next) !== specOf(existing)) meta.generation += 1;
    omitEmpty(next);
    admissionFor(def).normalize?.(next);
    omitEmpty(next);
    this.validate(def, next);
    if (meta.finalizers?.length === 0) delete meta.finalizers;
    if (meta.deletionTimestamp && !meta.finalizers && !meta.deletionGracePeriodSeconds) return this.commit(def, "DELETED", next);
    meta.resourceVersion = existing.metadata.resourceVersion;
    if (contentOf(next) === contentOf(existing)) return structuredClone(existing);
    return this.commit(def, "MODIFIED", next);
  }

  private commit(def: ResourceDefinition, type: WatchEventType, object: KubeObject): KubeObject {
    if (this.dryRunning) return structuredClone(object);
    this.version += 1;
    object.metadata.resourceVersion = String(this.version);
    const key = this.key(object.metadata.namespace, object.metadata.name ?? "");
    // Stored objects are never changed in place, so the replaced one can be shared as `previous`.
    const previous = this.table(def).get(key);
    if (type === "DELETED") this.table(def).delete(key);
    else this.table(def).set(key, object);
    this.log.record({ type, resource: def, object: structuredClone(object), resourceVersion: this.version,
      ...(previous && type !== "ADDED" ? { previous } : {}) });
    return structuredClone(object);
  }

  private markDeleting(def: ResourceDefinition, existing: KubeObject, finalizers: string[]): KubeObject {
    const next = structuredClone(existing);
    next.metadata.finalizers = finalizers;
    next.metadata.deletionTimestamp ??= rfc3339Seconds(this.now());
    // Only pods delete gracefully (above); everything else ends as soon as its finalizers are gone.
    next.metadata.deletionGracePeriodSeconds ??= 0;
    return this.commit(def, "MODIFIED", next);
  }

  /**
   * Pods end gracefully, as the pod registry does it: a scheduled, unfinished pod gets
   * deletionTimestamp = now + grace and deletionGracePeriodSeconds = grace (the request's, else
   * its terminationGracePeriodSeconds, else 30) and stays until its kubelet deletes it with grace
   * 0; a later delete may shorten the grace. Undefined when the ordinary path applies.
   */
  private deletePodGracefully(def: ResourceDefinition, existing: KubeObject, options: DeleteOptions): KubeObject | undefined {
    const grace = podGracePeriod(existing, options);
    const meta = existing.metadata;
    if (meta.deletionTimestamp === undefined && grace === 0) return undefined;
    if (meta.deletionTimestamp !== undefined && grace >= (meta.deletionGracePeriodSeconds ?? 0)) return structuredClone(existing);
    const next = structuredClone(existing);
    next.metadata.deletionTimestamp = rfc3339Seconds(new Date(this.now().getTime() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    if (grace === 0 && (next.metadata.finalizers ?? []).length === 0) return this.commit(def, "DELETED", next);
    return this.commit(def, "MODIFIED", next);
  }

  private removeFinalizer(def: ResourceDefinition, object: KubeObject, finalizer: string): void {
    const current = this.table(def).get(this.key(object.metadata.namespace, object.metadata.name ?? ""));
    if (!current || current.metadata.uid !== object.metadata.uid) return;
    const next = structuredClone(current);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    this.write(def, current, next);
  }

  /** What the GC does for an orphaning delete: drop the owner from every dependent. */
  private orphanDependents(ownerUid: string): void {
    for (const { resource, object } of this.dependentsOf(ownerUid)) {
      const current = this.table(resource).get(this.key(object.metadata.namespace, object.metadata.name ?? ""));
      if (!current) continue;
      const next = structuredClone(current);
      const refs = (next.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== ownerUid);
      if (refs.length > 0) next.metadata.ownerReferences = refs;
      else delete next.metadata.ownerReferences;
      this.write(resource, current, next);
    }
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const resource of STORED_RESOURCES) {
      if (!resource.namespaced || isEventsV1(resource)) continue;
      for (const object of [...this.table(resource).values()]) {
        if (object.metadata.namespace !== namespace || object.metadata.deletionTimestamp) continue;
        this.delete(resource, namespace, object.metadata.name ?? "", { propagationPolicy: "Background" });
      }
    }
  }

  private parseContinue(token: string): ContinueToken {
    try {
      const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as ContinueToken;
      if (typeof parsed.rv === "number" && typeof parsed.after === "string") return parsed;
    } catch { /* fall through to the error below */ }
    throw badRequest("continue key is not valid: the continue token is corrupt; list again without it");
  }
}
