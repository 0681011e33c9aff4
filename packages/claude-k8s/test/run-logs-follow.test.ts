// The follower against kube-sim running real processes: what it delivers is compared with ground
// truth (every line the container wrote) exactly — same lines, same order, each once — under cut,
// hung and restarted streams (failure modes L1, L3, L4, L5, L9).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { follow, kinds, runPod, startWorld, terminatedFromPod, truth, waitUntil } from "./run-logs-support.ts";
import type { World } from "./run-logs-support.ts";

let world: World;

before(async () => {
  world = await startWorld();
});

after(async () => {
  world.sim.faults.clear();
  await world.sim.stop();
});

const exited = (pod: string) => terminatedFromPod(world, pod);

test("L1: cuts every 150 ms for the whole run: every line exactly once, in order", { timeout: 30_000 }, async () => {
  // 3000 numbered lines over about 3 s (a pause after every 100).
  await runPod(world, "l1", "seq 1 3000 | while read i; do echo line-$i; case $i in *00) sleep 0.1;; esac; done");
  world.sim.faults.cutLogStreamsEvery(150);
  try {
    const followed = await follow(world, "l1");
    const expected = truth(world, "l1");
    assert.equal(expected.length, 3000, "ground truth has every line");
    assert.deepEqual(followed.lines, expected);
    assert.equal(followed.result.lines, 3000);
    assert.ok(followed.result.reconnects > 0, "the cuts forced reconnects");
    assert.equal(followed.result.gaps, 0, "no gap without rotation");
    assert.equal(kinds(followed.diagnostics, "gap").length, 0);
    assert.equal(followed.result.end, "terminated");
    console.log(`L1: ${followed.lines.length} lines in ${followed.ms} ms (${Math.round(followed.lines.length / (followed.ms / 1000))} lines/s), `
      + `${followed.result.reconnects} reconnects under cuts every 150 ms`);
  } finally {
    world.sim.faults.stopCuttingLogStreams();
  }
});

test("L3: a hung stream (open, silent) while the container writes is reconnected on idle; no loss", { timeout: 30_000 }, async () => {
  await runPod(world, "l3", "seq 1 40 | while read i; do echo tick-$i; sleep 0.05; done");
  let hung = false;
  const followed = await follow(world, "l3", {
    idleTimeoutMs: 300,
    onLine: () => {
      if (hung) return;
      hung = true;
      world.sim.faults.hangLogStreams(1_200);
    },
  });
  assert.deepEqual(followed.lines.length, 40);
  assert.ok(kinds(followed.diagnostics, "idle").length > 0, "the silence was detected");
  assert.ok(followed.result.reconnects > 0);
  assert.equal(followed.result.gaps, 0);
});

test("L3 (lines): a hung stream loses and repeats nothing", { timeout: 30_000 }, async () => {
  await runPod(world, "l3b", "seq 1 60 | while read i; do echo t-$i; sleep 0.03; done");
  let hung = false;
  const seen: string[] = [];
  const followed = await follow(world, "l3b", {
    idleTimeoutMs: 250,
    onLine: (text) => {
      seen.push(text);
      if (!hung && seen.length === 10) {
        hung = true;
        world.sim.faults.hangLogStreams(800);
      }
    },
  });
  assert.deepEqual(seen, truth(world, "l3b"));
  assert.equal(followed.result.end, "terminated");
});

test("L4: the container exits while its stream hangs: termination comes from the pod; all lines drained", { timeout: 30_000 }, async () => {
  await runPod(world, "l4", "seq 1 50 | while read i; do echo a-$i; done; sleep 0.4; seq 1 50 | while read i; do echo b-$i; done");
  const seen: string[] = [];
  const followed = await follow(world, "l4", {
    idleTimeoutMs: 300, drainTimeoutMs: 6_000,
    onLine: (text) => {
      seen.push(text);
      if (text === "a-50") world.sim.faults.hangLogStreams(2_000);
    },
  });
  assert.deepEqual(seen, truth(world, "l4"));
  assert.equal(seen.length, 100);
  assert.ok(kinds(followed.diagnostics, "idle").length > 0, "the hung stream was given up on");
  assert.equal(followed.result.end, "terminated");
});

test("L4 (bound): final reads that never answer still finish within idle + drainMaxMs + drain", { timeout: 30_000 }, async () => {
  await runPod(world, "l4b", "echo first; sleep 0.3; echo second");
  let hung = false;
  const followed = await follow(world, "l4b", {
    idleTimeoutMs: 300, drainTimeoutMs: 700, drainMaxMs: 1_400,
    onLine: () => {
      if (hung) return;
      hung = true;
      world.sim.faults.hangLogStreams(60_000);
    },
  });
  try {
    assert.equal(followed.result.end, "terminated");
    // idle (300) + waiting for the pod to terminate (~300, reconnects hang too) + final reads
    // retried until 1400 ms passed without progress, the last one given its 700 ms.
    assert.ok(followed.ms < 6_000, `finished in ${followed.ms} ms`);
    assert.ok(followed.result.finalReads >= 2, "a hung final read is retried");
    assert.equal(followed.result.drained, false);
    assert.ok(followed.diagnostics.some((d) => d.kind === "gap" && /gave up the final read.*drainMaxMs=1400/.test(d.detail)),
      "the unfinished final read is reported");
    assert.deepEqual(followed.lines, truth(world, "l4b").slice(0, followed.lines.length), "what arrived is an exact prefix");
  } finally {
    world.sim.faults.clear();
  }
});

test("L6/L7 with a real process: 4-byte characters and a 500 KB line under cuts every 40 ms arrive intact", { timeout: 30_000 }, async () => {
  // printf with octal escapes: 🎉 is F0 9F 8E 89. The big line is built by the shell from /dev/zero.
  const script = "e=$(printf '\\360\\237\\216\\211'); s=''; for i in $(seq 1 500); do s=\"$s$e\"; done; "
    + "for r in 1 2 3; do echo \"$s\"; head -c 500000 /dev/zero | tr '\\0' 'x'; echo; sleep 0.1; done";
  await runPod(world, "wide", script);
  world.sim.faults.cutLogStreamsEvery(40);
  try {
    const followed = await follow(world, "wide");
    const expected = truth(world, "wide");
    assert.equal(expected.length, 6);
    assert.equal(expected[0], "🎉".repeat(500), "ground truth holds the emoji line");
    assert.equal(expected[1]?.length, 500_000);
    assert.deepEqual(followed.lines, expected);
    assert.equal(followed.result.gaps, 0);
  } finally {
    world.sim.faults.stopCuttingLogStreams();
  }
});

test("L5: the container exited before the first request: full output once", { timeout: 30_000 }, async () => {
  await runPod(world, "l5", "seq 1 200 | while read i; do echo early-$i; done; echo 'bad model' >&2; exit 3");
  await waitUntil(exited("l5"), "pod l5 to terminate");
  const followed = await follow(world, "l5");
  assert.deepEqual(followed.lines, truth(world, "l5"));
  assert.equal(followed.lines.length, 201);
  assert.equal(followed.lines.at(-1), "bad model");
  assert.equal(followed.result.reconnects, 0);
  assert.equal(followed.result.end, "terminated");
});

test("L9: the API server restarts mid-stream: reconnect, no loss", { timeout: 30_000 }, async () => {
  await runPod(world, "l9", "seq 1 60 | while read i; do echo r-$i; sleep 0.02; done");
  let restarted: Promise<void> | undefined;
  const followed = await follow(world, "l9", {
    onLine: (text) => {
      if (text === "r-15") restarted = world.sim.faults.restartServer();
    },
  });
  await restarted;
  assert.ok(restarted !== undefined, "the restart happened mid-stream");
  assert.deepEqual(followed.lines, truth(world, "l9"));
  assert.ok(followed.result.reconnects > 0);
});

test("R9: onLine throwing or rejecting does not stop the follower", { timeout: 30_000 }, async () => {
  await runPod(world, "r9", "seq 1 30 | while read i; do echo x-$i; done");
  const calls: string[] = [];
  const followed = await follow(world, "r9", {
    onLine: async (text) => {
      calls.push(text);
      if (calls.length % 10 === 3) throw new Error(`consumer broke on ${text}`);
      if (calls.length % 10 === 7) await Promise.reject(new Error("async consumer broke"));
    },
  });
  assert.deepEqual(calls, truth(world, "r9"));
  const errors = kinds(followed.diagnostics, "error").filter((d) => /onLine failed/.test(d.detail));
  assert.equal(errors.length, 6, "each failure reported once");
  assert.equal(followed.result.end, "terminated");
});

test("abort mid-stream returns promptly and quietly", { timeout: 30_000 }, async () => {
  await runPod(world, "abort", "i=0; while true; do i=$((i+1)); echo n-$i; sleep 0.01; done");
  const controller = new AbortController();
  let abortedAt = 0;
  const followed = await follow(world, "abort", {
    signal: controller.signal,
    onLine: (text) => {
      if (text === "n-20") {
        abortedAt = Date.now();
        controller.abort();
      }
    },
  });
  const took = Date.now() - abortedAt;
  assert.equal(followed.result.end, "aborted");
  assert.ok(took < 1_000, `returned ${took} ms after the abort`);
  assert.deepEqual(followed.lines, truth(world, "abort").slice(0, 20), "nothing after the abort was delivered");
  assert.equal(kinds(followed.diagnostics, "error").length, 0, "the abort is not an error");
  await world.core.deleteNamespacedPod({ namespace: "default", name: "abort", gracePeriodSeconds: 0 });
});

test("a pod that does not exist: finishes with podGone and a diagnostic", { timeout: 30_000 }, async () => {
  const followed = await follow(world, "never-created", { containerTerminated: async () => false });
  assert.equal(followed.result.end, "podGone");
  assert.equal(followed.result.lines, 0);
  assert.ok(kinds(followed.diagnostics, "error").some((d) => /not found/.test(d.detail)));
});

test("L10: lines rotated away between a cut and the reconnect are reported as a gap", { timeout: 30_000 }, async () => {
  await runPod(world, "l10", "seq 1 100 | while read i; do echo p-$i; done; sleep 0.5; seq 1 100 | while read i; do echo q-$i; done");
  let rotated = false;
  const followed = await follow(world, "l10", {
    onLine: (text) => {
      if (rotated || text !== "p-50") return;
      rotated = true;
      // Cut, then rotate away everything written so far, before the follower reconnects.
      world.sim.faults.cutLogStreams();
      world.sim.runtime?.faults.rotateLogs("default", "l10", "main", truth(world, "l10").length);
    },
  });
  const expected = truth(world, "l10");
  assert.ok(followed.result.gaps >= 1, "a gap was counted");
  assert.ok(kinds(followed.diagnostics, "gap").length >= 1, "and reported");
  assert.ok(followed.lines.includes("q-100"), "output after the gap still arrives");
  assertInOrderOnce(followed.lines, expected);
});

/** `got` is a subsequence of `all` with no repeats (lines may be missing, never duplicated or reordered). */
function assertInOrderOnce(got: readonly string[], all: readonly string[]): void {
  let at = 0;
  for (const line of got) {
    const found = all.indexOf(line, at);
    assert.ok(found >= at, `line ${JSON.stringify(line)} out of order or repeated`);
    at = found + 1;
  }
}
