// The bundled UI parser, loaded the way Paperclip's UI loads it: the text evaluated as a function
// body (the worker's wrapper, copied in scripts/bundle-ui-parser.mjs), never imported as a module.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { parseStdoutLine } from "../src/ui-parser.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.join(here, "..");
const fixtureDir = path.join(here, "fixtures/claude");
const fixtures = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).sort();
const TS = "2026-01-01T00:00:00.000Z";

type ParseLine = (line: string, ts: string) => unknown[];
type BundleScript = {
  bundleUiParser: (out: string) => Promise<{ outFile: string; bytes: number }>;
  checkUiParserBundle: (code: string) => string[];
  loadLikePaperclipUi: (source: string) => ParseLine;
};

const script = (await import(pathToFileURL(path.join(pkgDir, "scripts/bundle-ui-parser.mjs")).href)) as BundleScript;

function fixtureLines(file: string): string[] {
  return fs.readFileSync(path.join(fixtureDir, file), "utf8").split("\n").filter((l) => l.trim() !== "");
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ui-parser-"));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The bundle as it was built before this fix (format "esm"): what Paperclip's UI got until then. */
async function esmBundle(dir: string): Promise<string> {
  const outfile = path.join(dir, "ui-parser.esm.js");
  await build({ entryPoints: [path.join(pkgDir, "src/ui-parser.ts")], outfile, bundle: true, format: "esm", platform: "neutral", target: "es2022", logLevel: "silent" });
  return fs.readFileSync(outfile, "utf8");
}

test("ui-parser bundle: the old ESM output cannot load in Paperclip's worker wrapper (SyntaxError on export)", async () => {
  await withTempDir(async (dir) => {
    const esm = await esmBundle(dir);
    assert.match(esm, /^export\s*\{/m);
    assert.throws(() => script.loadLikePaperclipUi(esm), SyntaxError);
    const problems = script.checkUiParserBundle(esm);
    assert.ok(problems.some((p) => /does not load the way Paperclip's UI loads it \(SyntaxError/.test(p)), problems.join("; "));
  });
});

test("ui-parser bundle: the built file loads in the worker wrapper, has no imports, is under 50 KB", async () => {
  await withTempDir(async (dir) => {
    const { outFile, bytes } = await script.bundleUiParser(path.join(dir, "ui-parser.cjs"));
    const code = fs.readFileSync(outFile, "utf8");
    assert.ok(bytes < 50 * 1024, `${bytes} bytes`);
    assert.deepEqual(script.checkUiParserBundle(code), []);
    assert.doesNotMatch(code, /^\s*(import|export)\b/m);
    assert.doesNotMatch(code, /\bself\b|\bglobalThis\b|\bwindow\b|\bdocument\b/, "the worker passes self and globalThis as undefined");
  });
});

test("ui-parser bundle: through the worker wrapper, every fixture line parses exactly as the source does", async () => {
  await withTempDir(async (dir) => {
    const { outFile } = await script.bundleUiParser(path.join(dir, "ui-parser.cjs"));
    const parse = script.loadLikePaperclipUi(fs.readFileSync(outFile, "utf8"));
    let lines = 0;
    for (const file of fixtures) {
      for (const line of fixtureLines(file)) {
        // The UI trims each line before it calls the parser.
        assert.deepEqual(parse(line.trim(), TS), parseStdoutLine(line.trim(), TS), `${file}: ${line.slice(0, 80)}`);
        lines++;
      }
    }
    assert.ok(lines > 40, `only ${lines} fixture lines`);
  });
});

test("ui-parser bundle: the package export points at the file the build writes", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { exports: Record<string, unknown>; paperclip: Record<string, unknown> };
  assert.equal(pkg.exports["./ui-parser"], "./dist/ui-parser.cjs");
  assert.equal(pkg.paperclip.adapterUiParser, "1.0.0");
});

test("ui-parser bundle: the checker catches what it is for", () => {
  const ok = "module.exports = { parseStdoutLine: () => [{ kind: 'init', ts: '', model: 'm', sessionId: 's' }] };";
  assert.deepEqual(script.checkUiParserBundle(ok), []);
  assert.ok(script.checkUiParserBundle(`import x from "y";\n${ok}`).length > 0);
  assert.ok(script.checkUiParserBundle(`const a = require("fs");\n${ok}`).length > 0);
  assert.ok(script.checkUiParserBundle(`${ok}\n//${"x".repeat(51 * 1024)}`).length > 0);
  assert.ok(script.checkUiParserBundle("module.exports = { other: 1 };").some((p) => /no usable parseStdoutLine/.test(p)));
  assert.ok(script.checkUiParserBundle("self.x = 1;").some((p) => /TypeError/.test(p)), "self is undefined in the worker's scope");
  assert.ok(script.checkUiParserBundle("module.exports = { parseStdoutLine: () => [{ kind: 'init', f() {} }] };").some((p) => /could not be cloned|DataCloneError/i.test(p)));
});
