// Watch streams: one JSON object per line, synthetic ADDED events for a fresh watch, replay from a
// resourceVersion, selector-aware ADDED/DELETED transitions, bookmarks, timeoutSeconds, and a
// 410 ERROR event for versions older than the store's window.
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

/** Maps a store event to what a selector-filtered watcher sees (or nothing). */
function translate(event: StoreEvent, matches: boolean, known: Set<string>): WatchType | undefined {
  const uid = event.object.metadata.uid ?? "";
  const wasKnown = known.has(uid);
  if (event.type === "DELETED") {
    known.delete(uid);
    return wasKnown || matches ? "DELETED" : undefined;
  }
  if (matches) {
    known.add(uid);
    return wasKnown || event.type === "ADDED" ? event.type : "ADDED";
  }
  if (!wasKnown) return undefined;
  known.delete(uid);
  return "DELETED";
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

  if (since !== undefined && since < store.oldestWatchableVersion()) {
    send("ERROR", expired(since, store.oldestWatchableVersion()).status);
    finish();
    return;
  }
  const known = new Set<string>();
  const current = store.list(resource, namespace);
  for (const object of current.items) {
    if (!matches(object)) continue;
    known.add(object.metadata.uid ?? "");
    if (since === undefined) send("ADDED", object);
  }
  let lastVersion = since ?? Number(current.resourceVersion);
  unsubscribe = store.watch(resource, namespace, lastVersion, (event) => {
    lastVersion = event.resourceVersion;
    const type = translate(event, matches(event.object), known);
    if (type) send(type, event.object);
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
