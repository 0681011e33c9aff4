import { test } from "node:test";
import assert from "node:assert/strict";

test("toolchain runs TypeScript tests on Node 24", () => {
  const [major] = process.versions.node.split(".").map(Number);
  assert.ok((major ?? 0) >= 24);
});
