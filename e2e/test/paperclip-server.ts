// Starts a real Paperclip server (the published `paperclipai` CLI) in a throwaway home and stops
// it again, leaving no process or directory behind. Embedded PostgreSQL refuses to run as root,
// so under root the server runs as an unprivileged user.

import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const FALLBACK_USER = "paperclip-e2e";
const LOG_LINES_KEPT = 60;
// eslint-disable-next-line no-control-regex -- terminal colour codes are exactly what we strip
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

export type RunAs = { name: string; uid: number; gid: number } | null;

export type PaperclipServer = {
  home: string;
  baseUrl: string;
  pgid: number;
  lastLogLines: () => string;
  /** Stops the server and removes its home; returns the processes left behind. */
  stop: () => Promise<string[]>;
  /**
   * Signals the server's whole process group (server and PostgreSQL) and waits for it to exit,
   * keeping the home for a restart; returns the processes left behind. SIGTERM is a graceful
   * shutdown; SIGKILL a crash.
   */
  kill: (signal: "SIGTERM" | "SIGKILL") => Promise<string[]>;
};

function passwdEntry(key: string): RunAs {
  const found = spawnSync("getent", ["passwd", key], { encoding: "utf8" });
  const fields = found.status === 0 ? found.stdout.trim().split(":") : [];
  if (fields.length < 4 || !fields[0]) return null;
  return { name: fields[0], uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** null when we are not root (the server then runs as ourselves). */
export function unprivilegedUser(): RunAs {
  if (process.getuid?.() !== 0) return null;
  const wanted = process.env.PAPERCLIP_E2E_USER;
  const existing = wanted ? passwdEntry(wanted) : passwdEntry("1000") ?? passwdEntry(FALLBACK_USER);
  if (existing) return existing;
  if (wanted) throw new Error(`PAPERCLIP_E2E_USER=${wanted}: no such user; create it or unset the variable`);
  const created = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER], { encoding: "utf8" });
  const user = passwdEntry(FALLBACK_USER);
  if (!user) throw new Error(`could not create the system user ${FALLBACK_USER} for embedded PostgreSQL (useradd: ${created.stderr || created.error}); set PAPERCLIP_E2E_USER to an existing unprivileged user`);
  return user;
}

/** The server's user must reach the repository (node, paperclipai, our package). */
function assertReadableBy(user: RunAs, paths: string[]): void {
  if (!user) return;
  for (const target of paths) {
    const probe = spawnSync("runuser", ["-u", user.name, "--", "test", "-r", target], { encoding: "utf8" });
    if (probe.status !== 0) {
      throw new Error(`user ${user.name} cannot read ${target}: the Paperclip server runs as that user (PostgreSQL refuses root); make the checkout readable to it (chmod o+rx on its parent directories)`);
    }
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function paperclipCli(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("paperclipai/package.json")), "dist", "index.js");
}

function makeHome(user: RunAs): string {
  const home = mkdtempSync(path.join(os.tmpdir(), "paperclip-e2e-"));
  if (user) chownSync(home, user.uid, user.gid);
  return home;
}

/** Keeps the last lines of the server's output, colours stripped, for failure messages. */
function logRing(child: ChildProcess): () => string {
  const lines: string[] = [];
  let partial = "";
  const take = (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8").replace(ANSI_COLOUR, "");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter((line) => line.trim() !== ""));
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  return () => [...lines, partial].filter(Boolean).join("\n");
}

/**
 * `onboard -y` writes the config and then runs the server in the foreground (same as `run`);
 * a restart in the same home uses `run` on the config onboard wrote.
 */
function spawnServer(user: RunAs, home: string, port: number, restart: boolean): ChildProcess {
  const env = [
    `PATH=${process.env.PATH ?? "/usr/bin:/bin"}`, `HOME=${home}`, `PORT=${port}`,
    "PAPERCLIP_NO_BROWSER=1", "PAPERCLIP_OPEN_ON_LISTEN=false",
    "PAPERCLIP_TELEMETRY_DISABLED=1", "PAPERCLIP_UPDATE_CHECK=0",
  ];
  const dataDir = path.join(home, "pc");
  const cli = restart ? ["run", "-d", dataDir] : ["onboard", "-y", "--bind", "loopback", "-d", dataDir, "--no-install-service"];
  const command = ["env", "-i", ...env, process.execPath, paperclipCli(), ...cli];
  const argv = user ? ["runuser", "-u", user.name, "--", ...command] : command;
  const [file, ...args] = argv as [string, ...string[]];
  // detached: its own process group, so stop() reaches the CLI, the server and PostgreSQL.
  return spawn(file, args, { cwd: home, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

function processesInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      if (Number(fields[2]) === pgid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Processes anywhere whose command line names the home (PostgreSQL gets `-D <home>/...`). */
export function processesUsing(home: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(home)) found.push(`${entry}: ${cmdline.trim().slice(0, 160)}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (processesInGroup(pgid).length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return processesInGroup(pgid).length === 0;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** The Paperclip CLI's own node process(es) in the group (not runuser, not PostgreSQL). */
function serverProcesses(pgid: number): number[] {
  return processesInGroup(pgid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(paperclipCli());
    } catch {
      return false;
    }
  });
}

/**
 * With `serverAlone`, the signal goes to the server alone, as a container runtime signals its main
 * process: on SIGTERM the server shuts down gracefully and stops its PostgreSQL itself. Otherwise
 * the whole group gets it at once (SIGKILL: a crashed pod). Whatever remains after 30 s is
 * killed; returns the leftovers.
 */
async function endGroup(pgid: number, home: string, signal: NodeJS.Signals, serverAlone: boolean): Promise<string[]> {
  const targets = serverAlone ? serverProcesses(pgid) : [];
  if (targets.length === 0) signalGroup(pgid, signal);
  for (const pid of targets) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  if (!(await waitForGroupExit(pgid, 30_000))) {
    console.log(`# Paperclip (process group ${pgid}) still running 30 s after ${signal}: SIGKILL`);
    signalGroup(pgid, "SIGKILL");
    await waitForGroupExit(pgid, 5_000);
  }
  return [...processesInGroup(pgid).map((pid) => `${pid} (process group ${pgid})`), ...processesUsing(home)];
}

/** stop() and kill() share one ending: whichever comes first decides, the other waits for it. */
function enders(pgid: number, home: string): Pick<PaperclipServer, "stop" | "kill"> {
  let ended: Promise<string[]> | undefined;
  let removed: Promise<string[]> | undefined;
  const kill = (signal: NodeJS.Signals) => (ended ??= endGroup(pgid, home, signal, signal === "SIGTERM"));
  // Cleaning up: the whole group at once ends fastest (PostgreSQL shuts down beside the server).
  const stop = () => (removed ??= (ended ??= endGroup(pgid, home, "SIGTERM", false)).then((leftovers) => {
    rmSync(home, { recursive: true, force: true });
    return leftovers;
  }));
  return { stop, kill };
}

/** A new server in a new home, or (with `home`) the same server restarted in the home it left. */
export function startPaperclip(repoRoot: string, port: number, options: { home?: string } = {}): PaperclipServer {
  const user = unprivilegedUser();
  assertReadableBy(user, [process.execPath, paperclipCli(), path.join(repoRoot, "packages", "claude-k8s", "dist", "index.js")]);
  const home = options.home ?? makeHome(user);
  const child = spawnServer(user, home, port, options.home !== undefined);
  if (child.pid === undefined) throw new Error("could not start the Paperclip CLI (no pid)");
  const pgid = child.pid;
  child.unref();
  return { home, baseUrl: `http://127.0.0.1:${port}`, pgid, lastLogLines: logRing(child), ...enders(pgid, home) };
}

/**
 * Paperclip servers started at the same moment (test files run two at a time) both pick the free
 * embedded PostgreSQL port 54329 and one fails. Starting them one after the other fixes that: each
 * server looks for a free port only once the previous one holds its own. Hold this lock from the
 * spawn until the server is healthy. A lock whose holder died is taken over.
 */
export async function acquireStartLock(timeoutMs = 300_000): Promise<() => void> {
  const lock = path.join(os.tmpdir(), "claude-k8s-paperclip-start.lock");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch {
      if (lockHolderIsDead(lock)) { rmSync(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s to start a Paperclip server (lock ${lock})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function lockHolderIsDead(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}

/** The server moves to the next free port when ours was taken meanwhile: trust runtime-info. */
export function actualBaseUrl(server: PaperclipServer): string {
  try {
    const info = JSON.parse(readFileSync(path.join(server.home, "pc", "instances", "default", "runtime-info.json"), "utf8")) as { port?: number };
    if (typeof info.port === "number") return `http://127.0.0.1:${info.port}`;
  } catch {
    // not written yet
  }
  return server.baseUrl;
}

export function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function adapterBuildIsFresh(adapterDir: string): boolean {
  const outputs = ["index.js", "ui-parser.cjs"].map((file) => path.join(adapterDir, "dist", file));
  if (!outputs.every((file) => existsSync(file))) return false;
  const sourcesTime = Math.max(newestMtime(path.join(adapterDir, "src")), newestMtime(path.join(adapterDir, "scripts")), statSync(path.join(adapterDir, "package.json")).mtimeMs);
  return outputs.every((file) => statSync(file).mtimeMs >= sourcesTime);
}

/**
 * Builds packages/claude-k8s when its dist is missing or older than its sources. Two e2e files
 * may start at once: an exclusive lock file makes the second wait for the first build.
 */
export async function ensureAdapterBuilt(repoRoot: string): Promise<void> {
  const adapterDir = path.join(repoRoot, "packages", "claude-k8s");
  const lock = path.join(os.tmpdir(), `claude-k8s-build-${Buffer.from(adapterDir).toString("hex").slice(-32)}.lock`);
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (adapterBuildIsFresh(adapterDir)) return;
    let fd: number;
    try {
      fd = openSync(lock, "wx");
    } catch {
      if (Date.now() > deadline) throw new Error(`waited 240 s for another build of ${adapterDir} (lock ${lock}); remove the lock if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      const built = spawnSync("npm", ["run", "build", "-w", "packages/claude-k8s"], { cwd: repoRoot, encoding: "utf8", timeout: 180_000 });
      if (built.status !== 0) throw new Error(`npm run build -w packages/claude-k8s failed:\n${built.stdout}\n${built.stderr}`);
      return;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}
