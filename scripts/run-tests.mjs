#!/usr/bin/env node
// Runs every workspace's tests with Node's own test runner (on TypeScript sources, via Node 24's
// type stripping) and ends with the plain "N passed, N failed, N skipped" line CI reads.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const patterns = process.argv.slice(2);
const globs = patterns.length > 0 ? patterns : ["packages/*/test/**/*.test.ts", "e2e/test/**/*.test.ts"];
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`Node ${process.version} is too old: run through npm (npm test) so node_modules/.bin/node (24) is used.`);
  process.exit(2);
}

const args = [
  "--conditions=source",
  "--test",
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? "2"}`,
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
  "--test-reporter=./scripts/summary-reporter.mjs",
  "--test-reporter-destination=stdout",
  ...globs,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
// A leaked handle can keep a test file's process alive after its tests ended: never let that
// hang CI. (--test-force-exit would cut off the closing count line.)
const limitMinutes = Number(process.env.TEST_TIME_LIMIT_MINUTES ?? "25");
const watchdog = setTimeout(() => {
  console.error(`\ntests still running after ${limitMinutes} minutes: stopping them`);
  child.kill("SIGKILL");
}, limitMinutes * 60_000);
child.on("exit", (code, signal) => {
  clearTimeout(watchdog);
  if (signal) console.log("\n0 passed, 1 failed, 0 skipped");
  process.exit(code ?? 1);
});
