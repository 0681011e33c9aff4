#!/usr/bin/env node
// kube-sim serve [--port P] [--kubeconfig FILE] [--rbac role.yaml] [--rbac-token T] [--token T] [--http]
// Runs the simulator until SIGINT/SIGTERM and prints where clients find it.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { startKubeSim } from "./sim.ts";
import type { SimUser } from "./sim.ts";

const USAGE = `usage: kube-sim serve [options]
  --port P            listen on 127.0.0.1:P (default: a free port)
  --kubeconfig FILE   write the admin kubeconfig here (default: a temp file), and the CA as FILE.ca.crt
  --token T           the admin token (default: random)
  --rbac FILE         Role/ClusterRole YAML: adds a user limited to these rules
  --rbac-token T      that user's token (default: random); its kubeconfig is FILE.rbac next to --kubeconfig
  --history-limit N   watch window: events per resource type a watch can resume from (default 100)
  --history-max-age-ms MS  watch window: how long an event stays replayable (default 75000)
  --no-runtime        API only: no Job controller, no kubelet
  --http              serve plain HTTP instead of HTTPS (HTTPS uses a CA made at start, which the
                      kubeconfig carries); kubectl sends no bearer token over plain HTTP, so with
                      --http requests without a token act as an anonymous admin
  --no-anonymous      with --http: answer requests without a token 401 instead
                      (over HTTPS they always get 401; the server listens on 127.0.0.1 only)`;

function fail(message: string): never {
  process.stderr.write(`kube-sim: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The watch window flags: positive integers, absent for the defaults. */
function windowOptions(limit: string | undefined, maxAgeMs: string | undefined): { historyLimit?: number; historyMaxAgeMs?: number } {
  const positive = (flag: string, value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) fail(`--${flag} must be a positive integer, got ${value}`);
    return parsed;
  };
  return { ...(limit !== undefined ? { historyLimit: positive("history-limit", limit) } : {}),
    ...(maxAgeMs !== undefined ? { historyMaxAgeMs: positive("history-max-age-ms", maxAgeMs) } : {}) };
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    port: { type: "string" }, kubeconfig: { type: "string" }, token: { type: "string" },
    rbac: { type: "string" }, "rbac-token": { type: "string" },
    "history-limit": { type: "string" }, "history-max-age-ms": { type: "string" }, "no-runtime": { type: "boolean" }, "no-anonymous": { type: "boolean" },
    http: { type: "boolean" }, help: { type: "boolean" },
  } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals[0] !== "serve") fail(`unknown command ${JSON.stringify(positionals[0] ?? "")}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, got ${values.port}`);
  const history = windowOptions(values["history-limit"], values["history-max-age-ms"]);
  const users: SimUser[] = [];
  if (values.rbac) {
    let rbacYaml: string;
    try {
      rbacYaml = readFileSync(values.rbac, "utf8");
    } catch (error) {
      fail(`cannot read --rbac ${values.rbac}: ${(error as Error).message}`);
    }
    users.push({ token: values["rbac-token"] ?? randomBytes(24).toString("base64url"), user: "kube-sim-rbac", rbacYaml });
  }
  const sim = await startKubeSim({ port, users, ...history, ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
    ...(values.token ? { token: values.token } : {}), ...(values["no-runtime"] ? { runtime: false } : {}),
    ...(values.http ? { tls: false } : {}),
    ...(values.http && !values["no-anonymous"] ? { anonymous: "admin" as const } : {}) });
  process.stdout.write(`kube-sim listening on ${sim.url}\n`);
  if (sim.caPem !== undefined) {
    // For clients that take a CA file (curl --cacert); kubeconfigs carry it inline.
    const caPath = `${sim.kubeconfigPath}.ca.crt`;
    await writeFile(caPath, sim.caPem);
    process.stdout.write(`CA certificate: ${caPath}\n`);
  }
  process.stdout.write(`kubeconfig: ${sim.kubeconfigPath}\n`);
  const limited = users[0];
  if (limited) {
    const rbacPath = `${sim.kubeconfigPath}.rbac`;
    await writeFile(rbacPath, sim.kubeconfigFor(limited.token, limited.user), { mode: 0o600 });
    process.stdout.write(`kubeconfig (RBAC from ${values.rbac}): ${rbacPath}\n`);
  }
  const shutdown = (signal: string) => {
    process.stdout.write(`kube-sim: ${signal}, stopping\n`);
    void sim.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`kube-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
