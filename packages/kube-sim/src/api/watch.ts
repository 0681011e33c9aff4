// Watch streams: one JSON object per line, synthetic ADDED events for a fresh watch, replay from a
// resourceVersion, selector-aware ADDED/DELETED transitions (DELETED carries the object as it last
// matched), bookmarks, timeoutSeconds, and a 410 ERROR event for versions older than the window.
import type { IncomingMessage, ServerResponse } from "node:http";
import { expired } from "../store/errors.ts";
import type { ResourceDefinition } from "../store/resources.ts";
import { apiVersionOf } from "../store/resources.ts";
import { fieldSelectorPredicate, labelSelectorPredicate } from "../store/selectors.ts";
import type { KubeObject, Store, StoreEvent } from "../store/types.ts";
import type { HttpFaults } from "../faults/http-faults.ts";
import { badRequest } from "../store/errors.ts";
import { queryFlag, queryInt } from "./http-util.ts";
import { toTable, wantsTable } from "./table.ts";

export interface WatchContext {
  store: Store;
  faults: HttpFaults;
  bookmarkIntervalMs: number;
}

type WatchType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

function parseStartVersion(value: string | null): number | undefined {
  if (value === null || value === "" || value === "0") return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(value)}: must be an integer`);
  return parsed;
}

/**
 * What a selector-filtered watcher sees of a store event (or nothing): an object that starts
 * matching is ADDED, one that stops matching is DELETED, as the real watch cache does.
 */
export function translate(event: StoreEvent, matches: (object: KubeObject) => boolean): WatchType | undefined {
  const now = matches(event.object);
  if (event.type !== "MODIFIED") return now ? event.type : undefined;
  const before = event.previous !== undefined && matches(event.previous);
  if (now) return before ? "MODIFIED" : "ADDED";
  return before ? "DELETED" : undefined;
}

/**
 * The object a watch event carries: an object that left the selection goes out as it was while it
 * still matched, with the event's resourceVersion (the watch cache's cacheWatcher does the same).
 */
export function shownObject(type: WatchType, event: StoreEvent): KubeObject {
  if (type !== "DELETED" || event.type !== "MODIFIED" || event.previous === undefined) return event.object;
  const before = structuredClone(event.previous);
  before.metadata.resourceVersion = String(event.resourceVersion);
  return before;
}

export function serveWatch(context: WatchContext, req: IncomingMessage, res: ServerResponse, url: URL,
  resource: ResourceDefinition, namespace: string | undefined): void {
  const query = url.searchParams;
  const labelMatch = labelSelectorPredicate(query.get("labelSelector") ?? undefined);
  const fieldMatch = fieldSelectorPredicate(query.get("fieldSelector") ?? undefined, resource);
  const matches = (object: KubeObject) => labelMatch(object) && fieldMatch(object);
  const since = parseStartVersion(query.get("resourceVersion"));
  const timeoutSeconds = queryInt(query, "timeoutSeconds");
  const { store } = context;
  // A watch held back by a latency fault may start after its connection (or the server) closed:
  // "close" will not fire again, so nothing that needs it to clean up may be started.
  if (req.destroyed || res.destroyed || res.writableEnded) return;

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  // `kubectl get -w` asks for Tables: each object goes out as a one-row Table, as the real server does.
  const asTable = wantsTable(req.headers.accept);
  const send = (type: WatchType, object: unknown) => {
    if (res.destroyed || res.writableEnded) return;
    const shown = asTable && (type === "ADDED" || type === "MODIFIED" || type === "DELETED")
      ? toTable(resource, [object as KubeObject], (object as KubeObject).metadata.resourceVersion ?? "") : object;
    res.write(`${JSON.stringify({ type, object: shown })}\n`);
  };
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  let unregister = () => {};
  const finish = () => {
    unsubscribe();
    unregister();
    for (const timer of timers) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  res.on("close", finish);

  const oldest = store.oldestWatchableVersion(resource);
  if (since !== undefined && since < oldest) {
    send("ERROR", expired(since, oldest).status);
    finish();
    return;
  }
  const current = since === undefined ? store.list(resource, namespace) : undefined;
  for (const object of current?.items ?? []) if (matches(object)) send("ADDED", object);
  let lastVersion = since ?? Number(current?.resourceVersion ?? store.currentResourceVersion());
  unsubscribe = store.watch(resource, namespace, lastVersion, (event) => {
    lastVersion = event.resourceVersion;
    const type = translate(event, matches);
    if (type) send(type, shownObject(type, event));
  });
  unregister = context.faults.registerWatch({
    end: (withExpired) => {
      if (withExpired) send("ERROR", expired(lastVersion, store.currentResourceVersion()).status);
      finish();
    },
  });
  if (queryFlag(query, "allowWatchBookmarks")) {
    const bookmark = setInterval(() => send("BOOKMARK", { kind: resource.kind, apiVersion: apiVersionOf(resource),
      metadata: { resourceVersion: String(store.currentResourceVersion()) } }), context.bookmarkIntervalMs);
    timers.push(bookmark);
  }
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timers.push(setTimeout(finish, timeoutSeconds * 1000));
  req.on("close", finish);
}
