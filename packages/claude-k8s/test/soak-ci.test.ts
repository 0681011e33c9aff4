// The CI soak: 50 runs of `npm run soak` with a fixed seed, several at once and several per
// agent, against kube-sim over HTTPS under the seeded weather. Every run is judged against
// kube-sim's ground truth; any lost, duplicated or wrong result, leftover object, two live Jobs
// for one agent, hang or unhandled rejection fails it, with the failing runs' schedules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { soak } from "../soak/soak.ts";
import { formatSummary } from "../soak/report.ts";

test("soak: 50 runs, seed 20261202: nothing lost, duplicated, wrong, leaked, violated or hung", { timeout: 15 * 60_000 }, async () => {
  const summary = await soak({ runs: 50, seed: 20261202, concurrency: 4 });
  assert.equal(summary.runs, 50);
  assert.ok(summary.executions >= 50);
  assert.ok(summary.ok, formatSummary(summary));
});
