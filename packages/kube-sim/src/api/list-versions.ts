// What a list's resourceVersion and resourceVersionMatch ask for, as the real API server reads
// them (ValidateListOptions in k8s.io/apimachinery/pkg/apis/meta/internalversion/validation, the
// watch cache's waitUntilFreshAndBlock in k8s.io/apiserver/pkg/storage/cacher/watch_cache.go):
// unset or "0" is the current state; "N" is "not older than N" and waits up to 3 s for a version
// the server has not reached, then answers 504 Too large resource version; `Exact` is the state at
// N (410 once compacted). A legacy list with `limit` and "N" but no match is exact too.
import { badRequest, invalid, tooLargeResourceVersion } from "../store/errors.ts";
import type { FieldCause } from "../store/errors.ts";
import type { ListOptions, Store } from "../store/types.ts";

/** blockTimeout in watch_cache.go: how long a read waits for the server to reach its version. */
export const TOO_LARGE_VERSION_WAIT_MS = 3000;

const LIST_OPTIONS = { group: "meta.k8s.io", version: "v1", resource: "listoptions", kind: "ListOptions", namespaced: false };

function forbidden(message: string): FieldCause {
  return { reason: "FieldValueForbidden", field: "resourceVersionMatch", message: `Forbidden: ${message}` };
}

/** The resourceVersion part of a list's options; 422 for the combinations the real server refuses. */
export function listVersionOptions(query: URLSearchParams): Pick<ListOptions, "resourceVersion" | "resourceVersionMatch"> {
  const raw = query.get("resourceVersion") ?? "";
  const match = query.get("resourceVersionMatch") ?? "";
  const causes: FieldCause[] = [];
  if (match !== "") {
    if (raw === "") causes.push(forbidden("resourceVersionMatch is forbidden unless resourceVersion is provided"));
    if (query.get("continue")) causes.push(forbidden("resourceVersionMatch is forbidden when continue is provided"));
    if (match !== "Exact" && match !== "NotOlderThan") {
      causes.push({ reason: "FieldValueNotSupported", field: "resourceVersionMatch",
        message: `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""` });
    }
    if (match === "Exact" && raw === "0") causes.push(forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (causes.length > 0) {
    const error = invalid(LIST_OPTIONS, "", causes);
    delete error.status.details?.name; // StatusDetails.name is omitempty
    throw error;
  }
  if (raw === "" || raw === "0") return {};
  // etcd3's GetList: a continue token carries its own version.
  if (query.get("continue")) throw badRequest("specifying resource version is not allowed when using continue");
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 0) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(raw)}: must be an integer`);
  const limit = Number(query.get("limit") ?? "0");
  const exact = match === "Exact" || (match === "" && limit > 0);
  return { resourceVersion: version, resourceVersionMatch: exact ? "Exact" : "NotOlderThan" };
}

/**
 * Resolves once the store has reached `version`; throws the 504 Too large resource version after
 * `timeoutMs`, or an AbortError when `signal` aborts (the client went away).
 */
export function waitForVersion(store: Store, version: number, signal: AbortSignal,
  timeoutMs = TOO_LARGE_VERSION_WAIT_MS): Promise<void> {
  if (store.currentResourceVersion() >= version) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => settle(signal.reason ?? new DOMException("aborted", "AbortError"));
    const timer = setTimeout(() => settle(tooLargeResourceVersion(version, store.currentResourceVersion())), timeoutMs);
    const unsubscribe = store.watch(undefined, undefined, undefined, () => {
      if (store.currentResourceVersion() >= version) settle();
    });
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
  });
}
