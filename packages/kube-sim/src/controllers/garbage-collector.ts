// Garbage collector: deletes dependents whose owners are gone (Background) and carries out
// Foreground deletion (delete dependents, then drop the owner's foregroundDeletion finalizer once
// no blocking dependent is left). Orphan deletion is done by the store itself, synchronously.
// Keeps its own index of owner uid -> dependents, built from one list and then the watch.

import { isNotFound } from "../store/errors.ts";
import { STORED_RESOURCES, definitionOf } from "../store/resources.ts";
import type { KubeObject, ResourceType, Store, StoreEvent } from "../store/types.ts";
import { WorkQueue } from "./work-queue.ts";

export const FOREGROUND_FINALIZER = "foregroundDeletion";

interface ObjectRef { resource: ResourceType; namespace: string | undefined; name: string; uid: string }

export class GarbageCollector {
  #store: Store;
  #queue: WorkQueue;
  #unsubscribe: (() => void) | undefined;
  #live = new Map<string, ObjectRef>(); // uid -> object
  #dependents = new Map<string, Set<string>>(); // owner uid -> dependent uids

  constructor(store: Store) {
    this.#store = store;
    this.#queue = new WorkQueue((uid) => this.#sync(uid));
  }

  start(): void {
    const since = this.#store.currentResourceVersion();
    for (const resource of STORED_RESOURCES) {
      for (const object of this.#store.list(resource, undefined).items) this.#observe(resource, object);
    }
    this.#unsubscribe = this.#store.watch(undefined, undefined, since, (event) => this.#onEvent(event));
    for (const uid of this.#live.keys()) this.#queue.add(uid);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#queue.stop();
  }

  #onEvent(event: StoreEvent): void {
    const uid = event.object.metadata.uid ?? "";
    if (event.type === "DELETED") {
      this.#forget(uid, event.object);
      for (const dependent of this.#dependents.get(uid) ?? []) this.#queue.add(dependent);
      return;
    }
    this.#observe(event.resource, event.object);
    this.#queue.add(uid);
    if (event.object.metadata.deletionTimestamp !== undefined) {
      for (const dependent of this.#dependents.get(uid) ?? []) this.#queue.add(dependent);
    }
  }

  #observe(resource: ResourceType, object: KubeObject): void {
    const uid = object.metadata.uid ?? "";
    const name = object.metadata.name ?? "";
    this.#live.set(uid, { resource: definitionOf(resource), namespace: object.metadata.namespace, name, uid });
    for (const ref of object.metadata.ownerReferences ?? []) {
      const set = this.#dependents.get(ref.uid) ?? new Set<string>();
      set.add(uid);
      this.#dependents.set(ref.uid, set);
    }
  }

  #forget(uid: string, object: KubeObject): void {
    this.#live.delete(uid);
    for (const ref of object.metadata.ownerReferences ?? []) {
      this.#dependents.get(ref.uid)?.delete(uid);
      this.#queue.add(ref.uid); // a foreground owner may now be free to go
    }
  }

  #sync(uid: string): void {
    const ref = this.#live.get(uid);
    if (ref === undefined) {
      if (!(this.#dependents.get(uid)?.size)) this.#dependents.delete(uid);
      return;
    }
    const object = this.#store.tryGet(ref.resource, ref.namespace, ref.name);
    if (object === undefined || object.metadata.uid !== uid) return;
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length > 0 && owners.every((owner) => this.#ownerGone(owner.uid))) {
      // Background cascade: every owner is gone or deleting in the foreground.
      if (object.metadata.deletionTimestamp === undefined) this.#delete(ref, "Background");
    }
    if ((object.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) this.#foreground(ref, object);
  }

  /** Gone, or being deleted in the foreground (its dependents must go first). */
  #ownerGone(ownerUid: string): boolean {
    const owner = this.#live.get(ownerUid);
    if (owner === undefined) return true;
    const object = this.#store.tryGet(owner.resource, owner.namespace, owner.name);
    return object === undefined || (object.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
  }

  #foreground(ref: ObjectRef, owner: KubeObject): void {
    if (owner.metadata.deletionTimestamp === undefined) return;
    let blocking = 0;
    for (const dependentUid of this.#dependents.get(ref.uid) ?? []) {
      const dependent = this.#live.get(dependentUid);
      if (dependent === undefined) continue;
      const object = this.#store.tryGet(dependent.resource, dependent.namespace, dependent.name);
      const link = object?.metadata.ownerReferences?.find((o) => o.uid === ref.uid);
      if (object === undefined || link === undefined) continue;
      if (link.blockOwnerDeletion === true) blocking++;
      if (object.metadata.deletionTimestamp === undefined) this.#delete(dependent, "Foreground");
    }
    if (blocking > 0) return;
    try {
      this.#store.mutate(ref.resource, ref.namespace, ref.name, (object) => {
        object.metadata.finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND_FINALIZER);
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  #delete(ref: ObjectRef, propagationPolicy: "Background" | "Foreground"): void {
    try {
      this.#store.delete(ref.resource, ref.namespace, ref.name, { propagationPolicy, preconditions: { uid: ref.uid } });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
