// Shared helpers for kube-sim's end-to-end tests through the real @kubernetes/client-node over
// HTTP: one sim per test file, waits driven by client-node Watches (bounded by a deadline),
// bounded polling where no watch can tell, log collection through client-node's Log, and Job
// manifests. Nothing here touches the sim's store: what a test asserts is what a client sees.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { BatchV1Api, CoreV1Api, KubeConfig, Log, Watch } from "@kubernetes/client-node";
import type { LogOptions, V1Job, V1Pod } from "@kubernetes/client-node";
import { startKubeSim } from "../../src/sim.ts";
import type { KubeSim, KubeSimOptions } from "../../src/sim.ts";
import { trustCa } from "./trust.ts";

export interface Client {
  sim: KubeSim;
  kc: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
}

/** Starts one sim (fast kubelet timings unless overridden) and a client-node client for it. */
export async function startClient(options: KubeSimOptions = {}): Promise<Client> {
  const runtime = options.runtime === false ? false
    : { imagePullBackOffMs: 200, configRetryMs: 200, ...options.runtime };
  const sim = await startKubeSim({ ...options, runtime });
  trustCa(sim.caPem); // postFault and raw reads use fetch()
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  return { sim, kc, core: kc.makeApiClient(CoreV1Api), batch: kc.makeApiClient(BatchV1Api) };
}

/** Every pid a test saw, so `after` can assert none of them outlived the sim. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SeenEvent<T> {
  type: string;
  object: T;
  /** Date.now() when the client received the event. */
  atMs: number;
}

export interface RunningWatch<T> {
  /** Resolves once the server has answered (events from now on will be seen). */
  connected: Promise<void>;
  /** Every event seen until `done(events)` held; rejects after the deadline or an early end. */
  result: Promise<SeenEvent<T>[]>;
}

/**
 * Watches `path` (from resourceVersion 0: existing objects first) until `done(events)` is true,
 * then aborts the watch. Fails after `timeoutMs` naming `what` and the last event.
 */
export function startWatch<T>(kc: KubeConfig, path: string, query: Record<string, string>,
  done: (events: SeenEvent<T>[]) => boolean, what: string, timeoutMs = 20_000): RunningWatch<T> {
  const events: SeenEvent<T>[] = [];
  let abort: AbortController | undefined;
  let finished = false;
  let connected!: Promise<void>;
  const result = new Promise<SeenEvent<T>[]>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; `
      + `last event: ${JSON.stringify(events.at(-1)?.object)}`)), timeoutMs);
    function finish(error?: unknown): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      abort?.abort();
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(events);
    }
    connected = new Watch(kc).watch(path, { resourceVersion: "0", ...query }, (type, object: T) => {
      events.push({ type, object, atMs: Date.now() });
      if (!finished && done(events)) finish();
    }, (error: unknown) => {
      if (!finished) finish(new Error(`watch of ${path} ended before ${what}: ${String(error)}`));
    }).then((controller) => {
      abort = controller;
      if (finished) controller.abort();
    }, finish);
  });
  result.catch(() => {}); // the caller awaits it; an early failure must not go unhandled meanwhile
  return { connected, result };
}

/** startWatch, awaited. */
export async function watchUntil<T>(kc: KubeConfig, path: string, query: Record<string, string>,
  done: (events: SeenEvent<T>[]) => boolean, what: string, timeoutMs = 8000): Promise<SeenEvent<T>[]> {
  return startWatch(kc, path, query, done, what, timeoutMs).result;
}

/** Polls `read` every 25 ms until it returns a value; fails after `timeoutMs`. */
export async function pollUntil<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `; last error: ${String(lastError)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function jobPath(namespace = "default"): string {
  return `/apis/batch/v1/namespaces/${namespace}/jobs`;
}

export function podPath(namespace = "default"): string {
  return `/api/v1/namespaces/${namespace}/pods`;
}

/** A Job running `script` with `sh -c` in image busybox; backoffLimit 0 unless `spec` says otherwise. */
export function jobManifest(name: string, script: string, spec: Record<string, unknown> = {},
  podSpec: Record<string, unknown> = {}, labels: Record<string, string> = {}): V1Job {
  return {
    apiVersion: "batch/v1", kind: "Job", metadata: { name, labels: { app: "e2e", ...labels } },
    spec: { backoffLimit: 0, ...spec, template: { spec: { restartPolicy: "Never",
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }], ...podSpec } } },
  } as V1Job;
}

export function trueConditions(object: V1Job | V1Pod | undefined): string[] {
  return (object?.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type);
}

/** The state of a pod's container named "main" (the test manifests' only container). */
export function mainState(pod: V1Pod | undefined) {
  return pod?.status?.containerStatuses?.find((c) => c.name === "main")?.state;
}

export function jobFinished(job: V1Job | undefined): boolean {
  const types = trueConditions(job);
  return types.includes("Complete") || types.includes("Failed");
}

/** The one pod of a Job, once it exists (bounded poll of a label-selected list). */
export async function podOfJob(client: Client, job: string, namespace = "default"): Promise<V1Pod> {
  return pollUntil(async () => {
    const pods = await client.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${job}` });
    return pods.items[0];
  }, `the pod of Job ${job}`);
}

/** The events of one named object from a watch's events. */
export function named<T extends { metadata?: { name?: string } }>(events: SeenEvent<T>[], name: string): SeenEvent<T>[] {
  return events.filter((e) => e.object.metadata?.name === name);
}

export interface CollectedLog {
  text: string;
  /** True when the writable got `end` (the server ended the response). */
  ended: boolean;
  error: Error | undefined;
  abort: AbortController;
}

/** A writable that keeps the text it receives and whether it was ended or errored. */
export class TextSink extends Writable {
  text = "";
  ended = false;
  error: Error | undefined;
  readonly finished: Promise<void>;

  constructor() {
    super();
    this.finished = new Promise((resolve) => {
      this.on("finish", () => { this.ended = true; resolve(); });
      this.on("error", (error) => { this.error = error; resolve(); });
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString("utf8");
    callback();
  }
}

/**
 * Reads a log through client-node's Log and waits (at most `timeoutMs`) for the writable to end.
 * A stream that has not ended by then is aborted and returned with `ended: false`.
 */
export async function readLog(kc: KubeConfig, namespace: string, pod: string, container: string,
  options: LogOptions, timeoutMs = 8000): Promise<CollectedLog> {
  const sink = new TextSink();
  const abort = await new Log(kc).log(namespace, pod, container, sink, options);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([sink.finished, new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
  clearTimeout(timer);
  if (!sink.ended) abort.abort();
  return { text: sink.text, ended: sink.ended, error: sink.error, abort };
}

/** Waits until `check()` is true or `timeoutMs` passes; returns the final answer. */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** POSTs a fault to the admin endpoint with the admin token; returns the parsed answer. */
export async function postFault(sim: KubeSim, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${sim.url}/_sim/faults`, { method: "POST",
    headers: { Authorization: `Bearer ${sim.token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() as unknown };
}

/** Pids of live processes whose environment has HOSTNAME set to one of `podNames` (container processes). */
export function containerProcesses(podNames: ReadonlySet<string>): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const host = environ.split("\0").find((v) => v.startsWith("HOSTNAME="))?.slice("HOSTNAME=".length);
    if (host !== undefined && podNames.has(host)) found.push(pid);
  }
  return found;
}

/**
 * Stops the sim and asserts that no process of any container it started (found by the HOSTNAME
 * the kubelet gives each container, inherited by its children) is left, within a second.
 */
export async function stopClient(client: Client): Promise<void> {
  const podNames = new Set((client.sim.runtime?.groundTruth.allContainerLines() ?? []).map((c) => c.pod));
  await client.sim.stop();
  assert.ok(podNames.size > 0, "the file started containers");
  const left = await eventually(() => containerProcesses(podNames).length === 0, 1000);
  assert.ok(left, `container processes outlived the sim: ${containerProcesses(podNames).join(", ")}`);
}
