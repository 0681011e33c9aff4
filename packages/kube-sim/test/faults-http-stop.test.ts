// Stopping the sim while a latency fault still holds back a watch must leave no timer behind
// (a leaked bookmark interval kept test processes alive after stop()).
import { test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { startKubeSim } from "../src/index.ts";

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

test("stop() during a delayed watch leaves no bookmark timer running", async () => {
  const baseline = timers();
  const sim = await startKubeSim({ runtime: false, bookmarkIntervalMs: 20 });
  sim.faults.addLatency({ path: "watch=", ms: 300 });
  const request = https.get(`${sim.url}/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true`,
    { headers: { authorization: `Bearer ${sim.token}` }, ca: sim.caPem });
  request.on("error", () => { /* the server goes away under it: expected */ });
  await sleep(50);
  await sim.stop();
  await sleep(400); // past the latency: the held-back watch has now been served (or refused)
  request.destroy();
  assert.equal(timers(), baseline);
});
