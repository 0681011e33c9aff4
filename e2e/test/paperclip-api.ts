// HTTP helpers for the Paperclip e2e tests: JSON calls with the server's last log lines in every
// failure message, health and run-end waits.

import assert from "node:assert/strict";
import { actualBaseUrl } from "./paperclip-server.ts";
import type { PaperclipServer } from "./paperclip-server.ts";

export type Json = Record<string, any>;

// 278 migrations on a first start take 15-30 s when idle, minutes beside other servers on 2 cores.
const HEALTH_TIMEOUT_MS = 240_000;
const TERMINAL_STATUSES = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

export type PaperclipApi = {
  baseUrl: () => string;
  serverLog: () => string;
  call: (method: string, route: string, body?: unknown) => Promise<{ status: number; text: string; json: Json }>;
  expectStatus: (method: string, route: string, status: number, body?: unknown) => Promise<Json>;
  waitForHealth: () => Promise<void>;
  waitForRunEnd: (runId: string, timeoutMs: number) => Promise<Json>;
};

export function paperclipApi(server: () => PaperclipServer | undefined): PaperclipApi {
  let baseUrl = "";
  const serverLog = () => `\n--- last Paperclip server output ---\n${server()?.lastLogLines() ?? "(not started)"}`;

  const call: PaperclipApi["call"] = async (method, route, body) => {
    const response = await fetch(`${baseUrl}/api${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      // not JSON (the UI parser is JavaScript)
    }
    return { status: response.status, text, json };
  };

  const expectStatus: PaperclipApi["expectStatus"] = async (method, route, status, body) => {
    const answer = await call(method, route, body);
    assert.equal(answer.status, status, `${method} ${route} answered ${answer.status}: ${answer.text.slice(0, 500)}${serverLog()}`);
    return answer.json;
  };

  const waitForHealth = async (): Promise<void> => {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      const running = server();
      if (running) baseUrl = actualBaseUrl(running);
      try {
        const answer = await call("GET", "/health");
        if (answer.status === 200 && answer.json.status === "ok") return;
        last = `${answer.status} ${answer.text.slice(0, 200)}`;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.fail(`Paperclip at ${baseUrl} not healthy within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last})${serverLog()}`);
  };

  const waitForRunEnd = async (runId: string, timeoutMs: number): Promise<Json> => {
    const deadline = Date.now() + timeoutMs;
    let run: Json = {};
    while (Date.now() < deadline) {
      run = await expectStatus("GET", `/heartbeat-runs/${runId}`, 200);
      if (TERMINAL_STATUSES.has(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.fail(`run ${runId} still ${run.status} after ${timeoutMs / 1000} s${serverLog()}`);
  };

  return { baseUrl: () => baseUrl, serverLog, call, expectStatus, waitForHealth, waitForRunEnd };
}
