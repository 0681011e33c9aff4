import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const srcDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src");

/** Relative static imports and re-exports of one source file (type-only imports included:
 * they are erased at run time but still tie the modules together for a reader). */
export function relativeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']|(?:^|\n)\s*import\s+["'](\.[^"']+)["']/g;
  for (const match of source.matchAll(pattern)) specifiers.push((match[1] ?? match[2])!);
  return specifiers;
}

/** The first import cycle found by depth-first search, as a list of nodes, or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

function sourceGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) {
        const targets = relativeImports(fs.readFileSync(full, "utf8")).map((spec) => path.relative(root, path.resolve(dir, spec)));
        graph.set(path.relative(root, full), targets);
      }
    }
  };
  walk(root);
  return graph;
}

const parserCases: Array<[string, string[]]> = [
  ['import { a } from "./a.ts";', ["./a.ts"]],
  ['import type { T } from "../t.ts";\nexport { b } from "./b.ts";', ["../t.ts", "./b.ts"]],
  ['import {\n  x,\n  y,\n} from "./multi.ts";', ["./multi.ts"]],
  ['import "./side-effect.ts";', ["./side-effect.ts"]],
  ['import fs from "node:fs";\nimport { z } from "@scope/pkg";', []],
  ['const s = "import x from \'./not-an-import.ts\'";', []],
];
for (const [source, expected] of parserCases) {
  test(`relativeImports(${JSON.stringify(source).slice(0, 50)})`, () => {
    assert.deepEqual(relativeImports(source), expected);
  });
}

const cycleCases: Array<[string, Array<[string, string[]]>, boolean]> = [
  ["a chain", [["a", ["b"]], ["b", ["c"]], ["c", []]], false],
  ["a diamond", [["a", ["b", "c"]], ["b", ["d"]], ["c", ["d"]], ["d", []]], false],
  ["a two-node loop", [["a", ["b"]], ["b", ["a"]]], true],
  ["a self import", [["a", ["a"]]], true],
  ["a long loop", [["a", ["b"]], ["b", ["c"]], ["c", ["d"]], ["d", ["b"]]], true],
];
for (const [name, edges, cyclic] of cycleCases) {
  test(`findCycle: ${name} is ${cyclic ? "" : "not "}a cycle`, () => {
    assert.equal(findCycle(new Map(edges)) !== null, cyclic);
  });
}

test("src/ has no import cycle", () => {
  const graph = sourceGraph(srcDir);
  assert.ok(graph.has("index.ts") && graph.has("server.ts"));
  assert.equal(findCycle(graph), null, `cycle: ${findCycle(graph)?.join(" -> ")}`);
});

test("server.ts never imports the package face", () => {
  const reachable = new Set<string>();
  const graph = sourceGraph(srcDir);
  const walk = (node: string): void => {
    for (const next of graph.get(node) ?? []) if (!reachable.has(next)) { reachable.add(next); walk(next); }
  };
  walk("server.ts");
  assert.ok(!reachable.has("index.ts"), "server.ts reaches index.ts");
});

test("only paperclip/ (and the face files) import adapter-utils at run time; config/ imports nothing from it", () => {
  const configDir = path.join(srcDir, "config");
  for (const name of fs.readdirSync(configDir)) {
    const source = fs.readFileSync(path.join(configDir, name), "utf8");
    assert.ok(!/from\s+["']@paperclipai\//.test(source), `config/${name} imports a Paperclip package`);
  }
});
