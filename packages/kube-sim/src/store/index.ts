// The store's public surface: the contract types, the in-memory implementation and its helpers.
export type * from "./types.ts";
export { MemoryStore, ORPHAN_FINALIZER, FOREGROUND_FINALIZER } from "./memory-store.ts";
export { randomSuffix } from "./names.ts";
export type { MemoryStoreOptions } from "./memory-store.ts";
export {
  StatusError, isStatusError, isNotFound, statusFailure, qualifiedResource, notFound, alreadyExists, conflict,
  staleConflict, invalid, badRequest, expired, forbidden, internalError, namespaceNotFound,
} from "./errors.ts";
export type { FieldCause } from "./errors.ts";
export * from "./resources.ts";
export { parseLabelSelector, labelSelectorPredicate, fieldSelectorPredicate, matchesLabels } from "./selectors.ts";
export type { LabelRequirement } from "./selectors.ts";
export { admissionFor } from "./admission.ts";
export type { AdmissionHook } from "./admission.ts";
