// The follower against kube-sim under seeded random schedules: a scripted log written while it is
// followed, its stamps in a zone offset, jittered both ways, repeated and stepped back (under a
// second, or up to three seconds), with cuts, 503 windows and hangs until the container ends.
// Every line must arrive exactly once (in write order while steps stay under the one-second
// lookback), with no gap reported. Timing varies from run to run; the property must hold for
// every interleaving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { follow, useScriptedWorld } from "./run-logs-support.ts";
import type { ScriptedLog } from "./run-logs-support.ts";
import { prng as random } from "../soak/schedule.ts"; // mulberry32, seeded

const { pods, world } = useScriptedWorld();

/** Writes up to `total` lines in bursts; no stamp falls more than `maxBackNs` behind the latest one. */
function writer(log: ScriptedLog, rand: () => number, total: number, zone: string, maxBackNs: bigint): () => void {
  let ns = BigInt(Date.parse("2026-01-01T00:00:10Z")) * 1_000_000n;
  let latest = ns;
  return () => {
    for (let burst = Math.floor(rand() * 30); burst > 0 && log.written.length < total; burst--) {
      const roll = rand();
      if (roll < 0.05) ns -= BigInt(Math.floor(rand() * Number(maxBackNs)));
      else if (roll > 0.25) ns += BigInt(Math.floor(rand() * 30_000_000));
      let at = ns + (rand() < 0.3 ? BigInt(Math.floor(rand() * 20_000)) - 10_000n : 0n);
      if (at < latest - maxBackNs) at = latest - maxBackNs;
      if (at > latest) latest = at;
      const text = rand() < 0.05 ? "same text" : `l-${log.written.length + 1} ${"x".repeat(Math.floor(rand() * 200))}`;
      log.write(text, at, zone);
    }
    if (log.written.length >= total && !log.ended) log.end();
  };
}

const schedules = [
  { seed: 1, zone: "+08:00", maxBackNs: 900_000_000n },
  { seed: 2, zone: "Z", maxBackNs: 900_000_000n },
  { seed: 3, zone: "-05:30", maxBackNs: 3_000_000_000n },
];

for (const { seed, zone, maxBackNs } of schedules) {
  test(`random schedule ${seed} (${zone}, steps back up to ${Number(maxBackNs) / 1e9} s): every line once`, { timeout: 90_000 }, async () => {
    const rand = random(seed * 7919);
    const name = `random-${seed}`;
    const log = await pods.create(world, name);
    const write = writer(log, rand, 300 + Math.floor(rand() * 300), zone, maxBackNs);
    // Faults stop once the container ended: the drain is bounded by drainMaxMs, not endless.
    const ticker = setInterval(() => {
      write();
      const roll = log.ended ? 1 : rand();
      if (roll < 0.15) world.sim.faults.cutLogStreams();
      else if (roll < 0.18) world.sim.faults.failRequests({ path: `/pods/${name}/log`, code: 503, durationMs: Math.floor(rand() * 2_500) });
      else if (roll < 0.2) world.sim.faults.hangLogStreams(Math.floor(rand() * 1_200));
    }, 20);
    try {
      const followed = await follow(world, name, {
        containerTerminated: async () => log.ended, idleTimeoutMs: 400, drainTimeoutMs: 1_000, drainMaxMs: 8_000,
        onLine: () => { if (rand() < 0.02) world.sim.faults.cutLogStreams(); },
      }, 80_000);
      const written = log.written.map((line) => line.text);
      if (maxBackNs < 1_000_000_000n) {
        assert.deepEqual(followed.lines, written);
      } else {
        // A line written after a cut but stamped before the reconnect's sinceTime is not served
        // to it; a later read that reaches back to it delivers it, possibly after newer lines.
        assert.deepEqual([...followed.lines].sort(), [...written].sort());
      }
      assert.equal(followed.result.gaps, 0);
      assert.equal(followed.result.drained, true);
      assert.ok(followed.result.reconnects > 0, "the faults forced reconnects");
    } finally {
      clearInterval(ticker);
      world.sim.faults.clear();
    }
  });
}
