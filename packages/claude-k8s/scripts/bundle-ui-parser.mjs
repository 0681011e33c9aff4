#!/usr/bin/env node
// Bundles src/ui-parser.ts into dist/ui-parser.js: one ESM file, nothing external. Paperclip's UI
// loads it as is, so the build FAILS if the output still imports anything or is 50 KB or more.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MAX_BYTES = 50 * 1024;

/** Returns the problems with a bundle's text (empty when it is fine). */
export function checkUiParserBundle(code) {
  const problems = [];
  const size = Buffer.byteLength(code, "utf8");
  if (size >= MAX_BYTES) problems.push(`is ${size} bytes; it must stay under ${MAX_BYTES}`);
  if (/(^|[^\w$.])import\s*[\s{*"'(]/m.test(code)) problems.push("contains an import");
  if (/(^|[^\w$.])require\s*\(/m.test(code)) problems.push("contains a require()");
  for (const name of ["parseStdoutLine", "createStdoutParser"]) {
    if (!new RegExp(`export\\s*\\{[^}]*\\b${name}\\b`).test(code)) problems.push(`does not export ${name}`);
  }
  return problems;
}

export async function bundleUiParser(outFile = path.join(pkgDir, "dist/ui-parser.js")) {
  await build({
    entryPoints: [path.join(pkgDir, "src/ui-parser.ts")],
    outfile: outFile,
    bundle: true,
    format: "esm",
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
    console.log(`ui-parser bundled: ${outFile} (${bytes} bytes, no imports)`);
  } catch (err) {
    console.error(`bundle-ui-parser: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
