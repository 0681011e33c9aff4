// The store's public surface: the contract types, the in-memory implementation and its helpers.
export type * from "./types.ts";
export { MemoryStore, ORPHAN_FINALIZER, FOREGROUND_FINALIZER } from "./memory-store.ts";
export { randomSuffix } from "./names.ts";
export { DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_MAX_AGE_MS } from "./event-log.ts";
export type { MemoryStoreOptions } from "./memory-store.ts";
export {
  StatusError, isStatusError, isNotFound, statusFailure, qualifiedResource, notFound, alreadyExists, conflict,
  staleConflict, invalid, badRequest, expired, resourceExpired, tooLargeResourceVersion, LIST_TOO_OLD, forbidden, internalError, namespaceNotFound,
} from "./errors.ts";
export type { FieldCause } from "./errors.ts";
export * from "./resources.ts";
export { parseLabelSelector, labelSelectorPredicate, fieldSelectorPredicate, matchesLabels } from "./selectors.ts";
export type { LabelRequirement } from "./selectors.ts";
export { admissionFor } from "./admission.ts";
export type { AdmissionHook } from "./admission.ts";
