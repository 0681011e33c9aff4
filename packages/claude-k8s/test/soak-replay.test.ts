// Replays of the soak runs that found adapter bugs (npm run soak -- --seed S --only I): each
// scenario keeps its own seeded draw (container, fault, moment), so the run that failed is the
// run that is replayed. What each found is in the comment beside it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { soak } from "../soak/soak.ts";
import { formatSummary } from "../soak/report.ts";

const FOUND: { seed: number; runs: number[]; what: string }[] = [
  { seed: 1, runs: [7], what: "shutdown abort after the container exited: reported cancelled, Job leaked; the adopter ran the work again" },
  {
    seed: 2, runs: [2, 4, 13, 15, 16, 39, 53, 69, 76],
    what: "shutdown at/after exit (2, 15, 76), Job deleted externally seen as claude_terminated (4), a 503 during adoption refused the adopter (13), "
      + "pod deleted with its log and nothing said (39, 53), deleteJob at exit (16), eviction right after success reported as k8s_pod_failed (69)",
  },
  {
    seed: 20261202, runs: [27, 35, 36, 43],
    what: "eviction right after the container exited by itself reported as k8s_pod_evicted (27, 35, 36), the log's first line rotated before it was read and no gap said (43)",
  },
];

for (const found of FOUND) {
  test(`soak replay: seed ${found.seed}, runs ${found.runs.join(", ")}: ${found.what}`, { timeout: 10 * 60_000 }, async () => {
    const summary = await soak({ runs: Math.max(...found.runs) + 1, seed: found.seed, concurrency: 4, only: found.runs });
    assert.equal(summary.runs, found.runs.length);
    assert.ok(summary.ok, formatSummary(summary));
  });
}
