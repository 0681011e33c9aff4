// Composition: the store, the API server (HTTPS with a CA made at start, or plain HTTP), faults,
// the request record and (when present) the runtime (controllers + kubelet), with a kubeconfig
// written for clients.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { MemoryStore } from "./store/memory-store.ts";
import type { LogSource } from "./kubelet/log-types.ts";
import { ApiServer } from "./api/server.ts";
import { ADMIN_RULES, rulesFromYaml, TokenTable } from "./api/rbac.ts";
import type { PolicyRule } from "./api/rbac.ts";
import { RequestRecord } from "./api/request-record.ts";
import { HttpFaults } from "./faults/http-faults.ts";
import { startRuntime } from "./runtime/index.ts";
import type { Runtime, RuntimeOptions } from "./runtime/index.ts";

export interface SimUser {
  token: string;
  /** The user name RBAC messages show, e.g. "limited" or "system:serviceaccount:agents:runner". */
  user: string;
  /** Rules given directly... */
  rules?: PolicyRule[];
  /** ...and/or every Role and ClusterRole in this YAML text. */
  rbacYaml?: string;
}

export interface KubeSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The admin token (all rules); random when absent. */
  token?: string;
  /** Where to write the admin kubeconfig; a fresh temp dir when absent (removed by stop()). */
  kubeconfigPath?: string;
  /** Further tokens with limited rules. */
  users?: SimUser[];
  /** Watch window: events per resource type a watch can resume from (default 100; older → 410). */
  historyLimit?: number;
  /** Watch window: how long an event stays replayable (default 75 000 ms; older → 410). */
  historyMaxAgeMs?: number;
  bookmarkIntervalMs?: number;
  /** Namespaces that exist at start; default ["default", "kube-system"]. */
  namespaces?: string[];
  /** Serve pod logs from this source instead of the runtime's (tests of the log endpoint). */
  logSource?: LogSource;
  /**
   * Rules for requests without a token (user "system:anonymous"); none by default (401).
   * kubectl sends no bearer token over plain HTTP, so kubectl with `tls: false` needs "admin".
   */
  anonymous?: "admin" | PolicyRule[];
  /**
   * HTTPS (the default) with a CA generated at start, trusted through the kubeconfig's
   * certificate-authority-data; `false` serves plain HTTP.
   */
  tls?: boolean;
  /** The controllers and the process kubelet; on by default, `false` for an API-only sim. */
  runtime?: RuntimeOptions | false;
}

export interface KubeSim {
  /** https://127.0.0.1:PORT (http:// with `tls: false`). */
  url: string;
  /** The CA certificate (PEM) that signed the serving certificate; undefined with `tls: false`. */
  caPem: string | undefined;
  /** The admin token. */
  token: string;
  kubeconfigPath: string;
  /** The kubeconfig text (YAML) for the admin token. */
  kubeconfig: string;
  store: MemoryStore;
  faults: HttpFaults;
  requests: RequestRecord;
  tokens: TokenTable;
  server: ApiServer;
  /** Controllers, kubelet, runtime faults, ground truth and invariants (absent with `runtime: false`). */
  runtime: Runtime | undefined;
  /** Adds a token whose requests are checked against `rules` (and/or Role YAML). */
  addUser(user: SimUser): void;
  /** A kubeconfig text for any token (e.g. a limited user's). */
  kubeconfigFor(token: string, user?: string): string;
  /** Ends every socket, timer and child process; removes the temp dir it created. */
  stop(): Promise<void>;
}

const NO_LOGS: LogSource = { containerLog: () => undefined };

/**
 * A kubeconfig for `url` and `token`; an https URL needs `caPem`, the CA clients are to trust.
 * Without one (plain HTTP) it says insecure-skip-tls-verify, which client-node demands before it
 * will use an http:// server at all.
 */
export function kubeconfigText(url: string, token: string, user = "kube-sim-admin", caPem?: string): string {
  const trust = caPem === undefined ? { "insecure-skip-tls-verify": true }
    : { "certificate-authority-data": Buffer.from(caPem).toString("base64") };
  return toYaml({
    apiVersion: "v1", kind: "Config", preferences: {},
    clusters: [{ name: "kube-sim", cluster: { server: url, ...trust } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "kube-sim", context: { cluster: "kube-sim", user, namespace: "default" } }],
    "current-context": "kube-sim",
  });
}

function subjectRules(user: SimUser): PolicyRule[] {
  return [...user.rules ?? [], ...(user.rbacYaml ? rulesFromYaml(user.rbacYaml) : [])];
}

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const store = new MemoryStore({
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
    ...(options.historyMaxAgeMs !== undefined ? { historyMaxAgeMs: options.historyMaxAgeMs } : {}),
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
  });
  const token = options.token ?? randomBytes(24).toString("base64url");
  const tokens = new TokenTable();
  tokens.add(token, { user: "kube-sim-admin", rules: ADMIN_RULES });
  const addUser = (user: SimUser) => tokens.add(user.token, { user: user.user, rules: subjectRules(user) });
  for (const user of options.users ?? []) addUser(user);
  const faults = new HttpFaults();
  const requests = new RequestRecord();
  // Loaded on first use: the certificate library takes ~100 ms to import, which plain HTTP skips.
  const tls = options.tls === false ? undefined : await (await import("./tls.ts")).generateServingTls();
  const runtime = options.runtime === false ? undefined : startRuntime(store, options.runtime ?? {});
  const logSource = options.logSource ?? runtime?.logSource ?? NO_LOGS;
  const server = new ApiServer({
    store, tokens, faults, requests, logSource: () => logSource,
    runtimeFaults: () => runtime?.faults as Record<string, unknown> | undefined,
    ...(options.anonymous ? { anonymous: { user: "system:anonymous",
      rules: options.anonymous === "admin" ? ADMIN_RULES : options.anonymous } } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(tls ? { tls: { certPem: tls.certPem, keyPem: tls.keyPem } } : {}),
    ...(options.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
  });
  try {
    await server.start();
  } catch (error) {
    await runtime?.stop();
    throw error;
  }
  const tempDir = options.kubeconfigPath ? undefined : await mkdtemp(path.join(tmpdir(), "kube-sim-"));
  const kubeconfigPath = options.kubeconfigPath ?? path.join(tempDir ?? "", "kubeconfig");
  const caPem = tls?.caPem;
  const kubeconfig = kubeconfigText(server.url, token, undefined, caPem);
  await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
  let stopped = false;
  return {
    url: server.url, caPem, token, kubeconfigPath, kubeconfig, store, faults, requests, tokens, server, runtime, addUser,
    kubeconfigFor: (other, user) => kubeconfigText(server.url, other, user, caPem),
    async stop() {
      if (stopped) return;
      stopped = true;
      faults.stop();
      await runtime?.stop();
      await server.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}
