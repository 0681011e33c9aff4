// API-level faults with the runtime running, as a client-node client sees them: a 5xx burst and
// a partition (errors, then recovery, while Jobs keep running), a 410 that an informer recovers
// from by re-listing while Jobs are created during the outage, and a server restart that stops
// an informer until the client restarts it (client-node's documented behaviour).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApiException, makeInformer } from "@kubernetes/client-node";
import type { V1Job } from "@kubernetes/client-node";
import { eventually, jobFinished, jobManifest, jobPath, pollUntil, postFault, startClient, stopClient, startWatch } from "./support/client.ts";
import type { Client } from "./support/client.ts";

let client: Client;

before(async () => {
  client = await startClient();
});

/** A client-node informer on the default namespace's Jobs, recording what it adds and its errors. */
function jobInformer() {
  const informer = makeInformer<V1Job>(client.kc, jobPath(), () => client.batch.listNamespacedJob({ namespace: "default" }));
  const added: string[] = [];
  const errors: unknown[] = [];
  informer.on("add", (job) => added.push(job.metadata?.name ?? ""));
  informer.on("error", (error) => errors.push(error));
  return { informer, added, errors };
}

after(async () => {
  client.sim.faults.clear();
  await stopClient(client);
});

async function codeOf(call: Promise<unknown>): Promise<number | string> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    return (error as { cause?: { code?: string }; code?: string }).cause?.code ?? (error as { code?: string }).code ?? String(error);
  }
}

function createJob(name: string, script = "echo hi") {
  return client.batch.createNamespacedJob({ namespace: "default", body: jobManifest(name, script) });
}

test("a 500 burst on Job creation: the client gets ApiException 500 twice, then the Job is created and runs", { timeout: 15_000 }, async () => {
  const answer = await postFault(client.sim, { fault: "errors", method: "POST", path: "/apis/batch/v1/namespaces/default/jobs$", code: 500, count: 2 });
  assert.equal(answer.status, 200);
  const first = await createJob("burst").catch((error: unknown) => error);
  assert.ok(first instanceof ApiException && first.code === 500, `first create failed with 500: ${String(first)}`);
  const body = JSON.parse(String(first.body)) as { kind: string; reason: string; code: number };
  assert.deepEqual([body.kind, body.reason, body.code], ["Status", "InternalError", 500]);
  assert.equal(await codeOf(createJob("burst")), 500);
  const watch = startWatch<V1Job>(client.kc, jobPath(), { fieldSelector: "metadata.name=burst" },
    (events) => jobFinished(events.at(-1)?.object), "Job burst to finish");
  await watch.connected;
  assert.equal(await codeOf(createJob("burst")), 200, "the burst is over");
  const job = (await watch.result).at(-1)?.object;
  assert.equal(job?.status?.succeeded, 1);
});

test("a partition: requests fail without an HTTP answer, then recover; a running Job completes meanwhile", { timeout: 15_000 }, async () => {
  await createJob("during-partition", "sleep 0.5; echo done");
  const startedAt = Date.now();
  assert.equal((await postFault(client.sim, { fault: "partition", durationMs: 800 })).status, 200);
  const failures: (number | string)[] = [];
  await pollUntil(async () => {
    const code = await codeOf(client.batch.readNamespacedJob({ name: "during-partition", namespace: "default" }));
    if (code !== 200) failures.push(code);
    return code === 200 && failures.length > 0 ? true : undefined;
  }, "the partition to end", 5000);
  const recoveredAfter = Date.now() - startedAt;
  assert.ok(failures.length > 0 && failures.every((f) => typeof f === "string"), `network errors, not HTTP answers: ${failures.join(", ")}`);
  assert.ok(recoveredAfter >= 700 && recoveredAfter < 3000, `recovered after ${recoveredAfter} ms (partition 800 ms)`);
  const job = await pollUntil(async () => {
    const read = await client.batch.readNamespacedJob({ name: "during-partition", namespace: "default" });
    return jobFinished(read) ? read : undefined;
  }, "the Job to finish");
  assert.equal(job.status?.succeeded, 1, "the runtime kept running through the partition");
});

test("watch ends with 410: an informer re-lists and delivers Jobs created during the outage", { timeout: 15_000 }, async () => {
  const { sim } = client;
  const { informer, added, errors } = jobInformer();
  await informer.start();
  try {
    await createJob("before-410");
    assert.ok(await eventually(() => added.includes("before-410"), 5000), "the informer delivers before the outage");
    const lists = sim.requests.count({ verb: "list", resource: "jobs" });
    // Hold the re-list back so that Jobs are created while the informer has no watch.
    sim.faults.addLatency({ method: "GET", path: /\/jobs(\?(?!.*watch=true).*)?$/, ms: 600, count: 1 });
    assert.ok(sim.faults.endWatches({ expired: true }) >= 1);
    await createJob("during-outage-1");
    await createJob("during-outage-2");
    assert.ok(await eventually(() => added.includes("during-outage-1") && added.includes("during-outage-2"), 5000),
      `the informer delivers Jobs created during the outage; added: ${added.join(", ")}`);
    assert.ok(sim.requests.count({ verb: "list", resource: "jobs" }) > lists, "it re-listed");
    await createJob("after-410");
    assert.ok(await eventually(() => added.includes("after-410"), 5000), "and keeps watching");
    assert.deepEqual(informer.list().map((j) => j.metadata?.name).sort(),
      ["after-410", "before-410", "burst", "during-outage-1", "during-outage-2", "during-partition"]);
    assert.deepEqual(errors, [], "a 410 is not an error to the informer");
  } finally {
    await informer.stop();
  }
});

test("a server restart: an informer reports an error and stops; restarted, it catches up", { timeout: 15_000 }, async () => {
  const { sim } = client;
  const { informer, added, errors } = jobInformer();
  await informer.start();
  try {
    assert.ok(await eventually(() => sim.faults.openWatches() >= 1, 3000), "the informer watches");
    assert.equal((await postFault(sim, { fault: "restart" })).status, 200);
    assert.ok(await eventually(() => errors.length > 0, 3000), "the dropped watch reaches the informer as an error");
    await createJob("after-restart");
    await informer.start();
    assert.ok(await eventually(() => added.includes("after-restart"), 5000), "the restarted informer delivers what it missed");
  } finally {
    await informer.stop();
  }
});
