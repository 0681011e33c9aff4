// The three patch types kubectl and client-node send: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902) and strategic merge patch (merge patch where named lists merge by `name`).
import { StatusError, statusFailure } from "../store/errors.ts";

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function isNamedList(value: Json): value is JsonObject[] {
  return Array.isArray(value) && value.every((item) => isObject(item) && typeof item.name === "string");
}

/** Merge patch, except lists of objects keyed by `name` (containers, env, volumes...) merge item by item. */
export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue; // directives ($patch, $setElementOrder) are not supported; ignore them
    const current = result[key];
    if (value === null) delete result[key];
    else if (isNamedList(value) && isNamedList(current) && current.length > 0) result[key] = mergeNamedLists(current, value);
    else result[key] = strategicMergePatch(current, value);
  }
  return result;
}

function mergeNamedLists(current: JsonObject[], patch: JsonObject[]): JsonObject[] {
  const merged = current.map((item) => structuredClone(item));
  for (const item of patch) {
    const index = merged.findIndex((existing) => existing.name === item.name);
    if (item.$patch === "delete") {
      if (index >= 0) merged.splice(index, 1);
    } else if (index >= 0) merged[index] = strategicMergePatch(merged[index], item) as JsonObject;
    else merged.push(structuredClone(item));
  }
  return merged;
}

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function patchFailed(message: string): StatusError {
  return new StatusError(statusFailure(422, "Invalid", message));
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw patchFailed(`the JSON pointer ${JSON.stringify(path)} must start with "/"`);
  return path.slice(1).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function parentOf(document: Json, tokens: string[], path: string): { parent: Json; key: string } {
  let node = document;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (node === undefined) throw patchFailed(`the path ${JSON.stringify(path)} does not exist`);
  }
  return { parent: node, key: tokens[tokens.length - 1] ?? "" };
}

function read(document: Json, path: string): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return document;
  const { parent, key } = parentOf(document, tokens, path);
  const value = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw patchFailed(`the path ${JSON.stringify(path)} does not exist`);
  return value;
}

function remove(document: Json, path: string): Json {
  const value = read(document, path);
  const { parent, key } = parentOf(document, pointer(path), path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as JsonObject)[key];
  return value;
}

function add(document: Json, path: string, value: Json, replace: boolean): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(document, tokens, path);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw patchFailed(`the index in ${path} is out of range`);
    if (replace) parent[index] = structuredClone(value);
    else parent.splice(index, 0, structuredClone(value));
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw patchFailed(`the path ${JSON.stringify(path)} does not exist`);
    parent[key] = structuredClone(value);
  } else throw patchFailed(`the path ${JSON.stringify(path)} does not exist`);
  return document;
}

export function jsonPatch(target: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) throw patchFailed("a JSON patch must be a list of operations");
  let document = structuredClone(target);
  for (const operation of operations as JsonPatchOperation[]) {
    switch (operation.op) {
      case "add": document = add(document, operation.path, operation.value, false); break;
      case "replace": read(document, operation.path); document = add(document, operation.path, operation.value, true); break;
      case "remove": remove(document, operation.path); break;
      case "move": document = add(document, operation.path, remove(document, operation.from ?? ""), false); break;
      case "copy": document = add(document, operation.path, read(document, operation.from ?? ""), false); break;
      case "test":
        if (JSON.stringify(read(document, operation.path)) !== JSON.stringify(operation.value)) {
          throw patchFailed("the server rejected our request due to an error in our request");
        }
        break;
      default: throw patchFailed(`unknown JSON patch operation ${JSON.stringify(operation.op)}: use add, remove, replace, move, copy or test`);
    }
  }
  return document;
}

export type PatchType = "merge" | "json" | "strategic";

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const type = (contentType ?? "").split(";")[0]?.trim();
  if (type === "application/merge-patch+json") return "merge";
  if (type === "application/json-patch+json") return "json";
  if (type === "application/strategic-merge-patch+json") return "strategic";
  return undefined;
}

export function applyPatch(type: PatchType, target: Json, patch: Json): Json {
  if (type === "json") return jsonPatch(target, patch);
  return type === "merge" ? mergePatch(target, patch) : strategicMergePatch(target, patch);
}
