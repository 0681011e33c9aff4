#!/usr/bin/env node
// Bundles src/ui-parser.ts into dist/ui-parser.cjs: one CommonJS-style file, nothing external.
// Paperclip's UI does NOT import it as a module: it fetches the text and evaluates it as a
// function body inside a Web Worker, then reads module.exports (loadLikePaperclipUi below has
// the wrapper's shape). An ES module (`export {...}`) is a syntax error there. So the build
// FAILS unless the output loads through that wrapper, has no imports and stays under 50 KB.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MAX_BYTES = 50 * 1024;
export const UI_PARSER_OUTFILE = path.join(pkgDir, "dist/ui-parser.cjs");

/**
 * Evaluates a parser's source the way Paperclip's UI worker does (2026.916.1, the parser worker
 * in ui-dist/assets): `new Function("exports", "module", "self", "globalThis", '"use strict";\n{\n'
 * + source + '\n}')`, called with self and globalThis undefined; module.exports wins when it has
 * keys, else exports. Returns the parse function the UI would call, or throws as init would.
 */
export function loadLikePaperclipUi(source) {
  const exports = {};
  const module = { exports };
  const factory = new Function("exports", "module", "self", "globalThis", '"use strict";\n{\n' + source + "\n}");
  factory(exports, module, undefined, undefined);
  const resolved = module.exports && typeof module.exports === "object" && Object.keys(module.exports).length > 0 ? module.exports : exports;
  let parseStdoutLine = typeof resolved.parseStdoutLine === "function" ? resolved.parseStdoutLine : null;
  if (!parseStdoutLine && typeof resolved.createStdoutParser === "function") {
    const fallback = resolved.createStdoutParser();
    if (fallback && typeof fallback.parseLine === "function") parseStdoutLine = (line, ts) => fallback.parseLine(line, ts);
  }
  if (!parseStdoutLine) throw new Error("Parser module exports no usable parseStdoutLine or createStdoutParser");
  // Entries cross postMessage: they must survive structured cloning.
  return (line, ts) => structuredClone(parseStdoutLine(line, ts) || []);
}

/** Returns the problems with a bundle's text (empty when it is fine). */
export function checkUiParserBundle(code) {
  const problems = [];
  const size = Buffer.byteLength(code, "utf8");
  if (size >= MAX_BYTES) problems.push(`is ${size} bytes; it must stay under ${MAX_BYTES}`);
  if (/(^|[^\w$.])import\s*[\s{*"'(]/m.test(code)) problems.push("contains an import");
  if (/(^|[^\w$.])require\s*\(/m.test(code)) problems.push("contains a require()");
  try {
    const parse = loadLikePaperclipUi(code);
    const entries = parse('{"type":"system","subtype":"init","model":"m","session_id":"s"}', "2026-01-01T00:00:00.000Z");
    if (!Array.isArray(entries) || entries[0]?.kind !== "init") problems.push(`parses an init line to ${JSON.stringify(entries)}`);
  } catch (err) {
    problems.push(`does not load the way Paperclip's UI loads it (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`);
  }
  return problems;
}

export async function bundleUiParser(outFile = UI_PARSER_OUTFILE) {
  await build({
    entryPoints: [path.join(pkgDir, "src/ui-parser.ts")],
    outfile: outFile,
    bundle: true,
    format: "cjs",
    platform: "neutral",
    target: "es2022",
    minify: false,
    legalComments: "none",
    logLevel: "warning",
  });
  const problems = checkUiParserBundle(fs.readFileSync(outFile, "utf8"));
  if (problems.length > 0) throw new Error(`${path.relative(process.cwd(), outFile)} ${problems.join("; ")}`);
  return { outFile, bytes: fs.statSync(outFile).size };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { outFile, bytes } = await bundleUiParser(process.argv[2]);
    console.log(`ui-parser bundled: ${outFile} (${bytes} bytes, loads like Paperclip's UI worker, no imports)`);
  } catch (err) {
    console.error(`bundle-ui-parser: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
