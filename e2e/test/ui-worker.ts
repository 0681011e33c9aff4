// Paperclip's UI parser worker (2026.916.1), taken from the installed UI bundle rather than
// copied: the tests run exactly the code a browser runs. Also the one-line-per-global fix for its
// upstream bug (docs/upstream/ui-parser-worker-preamble.md), applied only where a test says so.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A unique line of the worker's source, to find it in the bundle and in a page's Blob calls. */
export const WORKER_MARKER = "Lock down dangerous globals";

/**
 * The upstream bug: in strict mode these assignments throw, because in a worker `caches` (secure
 * origins such as http://127.0.0.1) and `indexedDB` (every origin) are getter-only accessors.
 * The fix (docs/upstream/paperclip-ui-parser-worker.patch) shadows each with an own read-only
 * property; should that ever be refused, it still throws, so the sandbox fails closed.
 */
export const PREAMBLE_FIXES: ReadonlyArray<readonly [string, string]> = ["caches", "indexedDB"].map((name) => [
  `self.${name} = _undefined;`,
  `Object.defineProperty(self, "${name}", { value: _undefined, writable: false, configurable: false });`,
] as const);

export function uiDistDir(): string {
  const serverEntry = fileURLToPath(import.meta.resolve("@paperclipai/server"));
  return path.join(path.dirname(path.dirname(serverEntry)), "ui-dist");
}

/** The worker's source text exactly as the UI bundle builds its Blob from it. */
export function uiParserWorkerSource(): string {
  const assets = path.join(uiDistDir(), "assets");
  for (const file of readdirSync(assets).filter((f) => f.endsWith(".js"))) {
    const code = readFileSync(path.join(assets, file), "utf8");
    const marker = code.indexOf(WORKER_MARKER);
    if (marker < 0) continue;
    const start = code.lastIndexOf("=`", marker);
    const end = code.indexOf("`;", marker);
    if (start < 0 || end < 0) break;
    // The bundle holds it as a template literal without substitutions: evaluate the literal.
    const literal = code.slice(start + 1, end + 1);
    if (literal.includes("${")) break;
    return new Function(`return ${literal};`)() as string;
  }
  throw new Error(`the parser worker ("${WORKER_MARKER}") was not found in ${assets}: the UI changed; update e2e/test/ui-worker.ts`);
}

/** Applies PREAMBLE_FIXES; throws when a line is missing (then upstream changed the preamble). */
export function withPreambleFixed(source: string): string {
  let fixed = source;
  for (const [from, to] of PREAMBLE_FIXES) {
    if (!fixed.includes(from)) throw new Error(`the worker preamble no longer contains "${from}": check whether Paperclip fixed the bug`);
    fixed = fixed.replace(from, to);
  }
  return fixed;
}
