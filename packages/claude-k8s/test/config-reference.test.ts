import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CONFIG_FIELDS } from "../src/config/fields.ts";
import { HOST_KEYS } from "../src/config/host-keys.ts";
import { configReferenceMarkdown, hostKeysMarkdown, withConfigReference } from "../src/config/reference.ts";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

test("README's configuration reference is the generated one (run `npm run docs` after changing fields)", () => {
  assert.equal(readme, withConfigReference(readme));
});

test("the reference has one row per config field, in catalogue order", () => {
  const rows = configReferenceMarkdown().split("\n").slice(2);
  assert.deepEqual(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1]), CONFIG_FIELDS.map((field) => field.key));
});

test("a pipe in a hint cannot break the table", () => {
  for (const row of configReferenceMarkdown().split("\n").slice(2)) {
    assert.equal(row.replaceAll("\\|", "").split("|").length, 6, row);
  }
});

test("the host-keys table has one row per host key, three cells each", () => {
  const rows = hostKeysMarkdown().split("\n").slice(2);
  assert.deepEqual(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1]), HOST_KEYS.map((entry) => entry.key));
  for (const row of rows) assert.equal(row.replaceAll("\\|", "").split("|").length, 5, row);
});
