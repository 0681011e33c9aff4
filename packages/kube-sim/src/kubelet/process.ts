// Runs one container as a local child process. As root on Linux the process gets a private
// mount namespace in which every volume is bind-mounted at its real mountPath, its own UTS
// namespace whose hostname is the pod's name, and its own PID namespace in which the command is
// PID 1 with its own /proc (unshare -m -u -p), then drops to the pod's uid/gid with setpriv.
// Elsewhere ("direct" isolation) it is spawned as is: mount paths are not real (volumes are
// reachable only through KUBE_SIM_VOLUME_* variables) and the command is an ordinary process.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { HostDirs, hostPathsFor } from "./host-dirs.ts";
import { LineSplitter } from "./line-splitter.ts";
import type { ContainerOutput } from "./log-store.ts";

export type Isolation = "namespace" | "direct";

export interface VolumeMount {
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
}

export interface ContainerProcessSpec {
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  /** `groups`: supplementary groups (the pod's fsGroup and supplementalGroups); none when absent. */
  user?: { uid: number; gid: number; groups?: number[] };
  mounts: VolumeMount[];
  isolation: Isolation;
  /** Where a "direct" process runs when it has no workingDir (a per-pod scratch directory). */
  scratchDir: string;
  /** The hostname inside the container's UTS namespace (the pod's name); "namespace" isolation only. */
  hostname?: string;
}

export interface ContainerExit {
  exitCode: number;
  signal?: NodeJS.Signals;
  /** Set when the process could not be started at all (e.g. executable not found). */
  startError?: string;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  /** Signals the whole process group (the container's processes). */
  signal(signal: NodeJS.Signals): void;
  /** Signals only the main process (PID 1 of a real container), as a runtime's stop does with SIGTERM. */
  signalMain(signal: NodeJS.Signals): void;
}

let probedIsolation: Isolation | undefined;

const UNSHARE_ARGS = ["-m", "-u", "-p", "--propagation", "private"];

/** Probes once whether private mount, UTS and PID namespaces (with their own /proc) are available. */
export function probeIsolation(): Isolation {
  if (probedIsolation !== undefined) return probedIsolation;
  const isRoot = process.platform === "linux" && process.getuid?.() === 0;
  const probe = isRoot ? spawnSync("/usr/bin/unshare", [...UNSHARE_ARGS, "/bin/sh", "-c", "(mount -t proc proc /proc)"]) : undefined;
  probedIsolation = probe !== undefined && probe.status === 0 ? "namespace" : "direct";
  return probedIsolation;
}

/** Quotes one value for POSIX sh: 'it'\''s'. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The sh script run by `unshare -m -u -p`; the user's command comes as "$@". The shell itself
 * stays in the host's PID namespace (unshare without --fork), so its first child, the subshell,
 * is PID 1 of the new one (and must be the first: the namespace ends with it). PID 1 reports its
 * host pid on fd 3 (read from the host's /proc), sets up hostname and mounts, mounts its own
 * /proc, and execs the command, which stays PID 1: the kernel drops signals PID 1 has no handler
 * for, as in a container. The shell waits and exits with the command's status (128+N after
 * signal N).
 */
export function namespaceScript(spec: Pick<ContainerProcessSpec, "mounts" | "workingDir" | "user" | "hostname">): string {
  const steps: string[] = [
    "read -r kube_sim_pid _ < /proc/self/stat",
    `printf '%s\\n' "$kube_sim_pid" >&3`,
    "exec 3>&-",
  ];
  // Written through /proc so no hostname binary is needed; the UTS namespace is the container's own.
  if (spec.hostname !== undefined) steps.push(`printf '%s' ${shellQuote(spec.hostname)} > /proc/sys/kernel/hostname`);
  for (const mount of spec.mounts) {
    const target = shellQuote(mount.mountPath);
    steps.push(`mkdir -p ${target}`, `mount --bind ${shellQuote(mount.hostPath)} ${target}`);
    if (mount.readOnly) steps.push(`mount -o remount,bind,ro ${target}`);
  }
  steps.push("mount -t proc -o nosuid,nodev,noexec proc /proc");
  if (spec.workingDir !== undefined) steps.push(`mkdir -p ${shellQuote(spec.workingDir)}`, `cd ${shellQuote(spec.workingDir)}`);
  else steps.push("cd /");
  if (spec.user !== undefined) {
    const groups = spec.user.groups ?? [];
    const groupFlag = groups.length > 0 ? `--groups=${groups.join(",")}` : "--clear-groups";
    steps.push(`exec setpriv --reuid=${spec.user.uid} --regid=${spec.user.gid} ${groupFlag} -- "$@"`);
  } else {
    steps.push(`exec "$@"`);
  }
  return ["set -e", "(", ...steps.map((line) => `  ${line}`), ")"].join("\n");
}

function directCwd(spec: ContainerProcessSpec): string {
  return spec.workingDir ?? spec.scratchDir;
}

function spawnContainer(spec: ContainerProcessSpec): ChildProcess {
  if (spec.isolation === "namespace") {
    const args = [...UNSHARE_ARGS, "/bin/sh", "-c", namespaceScript(spec), "sh", ...spec.argv];
    return spawn("/usr/bin/unshare", args, { env: spec.env, cwd: "/", detached: true, stdio: ["ignore", "pipe", "pipe", "pipe"] });
  }
  const stdio: ["ignore", "pipe", "pipe"] = ["ignore", "pipe", "pipe"];
  const [file, ...args] = spec.argv;
  return spawn(file ?? "", args, {
    env: spec.env, cwd: directCwd(spec), detached: true, stdio, uid: spec.user?.uid, gid: spec.user?.gid,
  });
}

/**
 * Starts the process and captures stdout/stderr into `output` line by line. When the main
 * process exits the rest of its group is killed (as a container's PID namespace would be), the
 * pipes are drained, the output ended, the host directories made for it released, and then
 * `onExit` is called exactly once.
 */
export function startContainerProcess(spec: ContainerProcessSpec, output: ContainerOutput,
  onExit: (exit: ContainerExit) => void, hostDirs: HostDirs = new HostDirs()): RunningProcess {
  const releaseDirs = hostDirs.acquire(hostPathsFor(spec, directCwd(spec)));
  let child: ChildProcess;
  try {
    child = spawnContainer(spec);
  } catch (error) {
    releaseDirs();
    throw error;
  }
  const stdout = new LineSplitter((text) => output.append("stdout", text));
  const stderr = new LineSplitter((text) => output.append("stderr", text));
  child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const main = mainProcess(child, spec.isolation);
  let exit: ContainerExit | undefined;
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try { process.kill(-child.pid, signal); } catch { /* the group is already gone */ }
  };
  child.on("error", (error) => {
    exit ??= { exitCode: 128, startError: error.message };
  });
  child.on("exit", (code, signal) => {
    exit ??= { exitCode: code ?? 128 + signalNumber(signal), ...(signal !== null ? { signal } : {}) };
    main.exited();
    signalGroup("SIGKILL"); // leftover background processes would hold the pipes open
  });
  child.on("close", () => {
    releaseDirs();
    stdout.flush();
    stderr.flush();
    output.end();
    onExit(exit ?? { exitCode: 128, startError: "process closed without an exit status" });
  });
  return {
    get pid() { return child.pid; },
    signal(signal) {
      // PID 1 first: its death ends every process of its PID namespace, even ones that left the group.
      if (signal === "SIGKILL") main.signal(signal);
      signalGroup(signal);
    },
    signalMain: (signal) => main.signal(signal),
  };
}

/**
 * The container's main process. In "direct" isolation that is the spawned child. In "namespace"
 * isolation it is PID 1 of the container's PID namespace, whose host pid the script reports on
 * fd 3 once it exists; a signal asked for before then is sent as soon as it is known.
 */
function mainProcess(child: ChildProcess, isolation: Isolation): { signal(signal: NodeJS.Signals): void; exited(): void } {
  if (isolation === "direct") {
    return { signal(signal) { try { child.kill(signal); } catch { /* already gone */ } }, exited() {} };
  }
  let hostPid: number | undefined;
  let pending: NodeJS.Signals | undefined;
  let gone = false;
  const send = (signal: NodeJS.Signals) => {
    try { if (hostPid !== undefined) process.kill(hostPid, signal); } catch { /* already gone */ }
  };
  let reported = "";
  const pidPipe = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
  pidPipe?.on("data", (chunk: Buffer) => {
    reported += chunk.toString("latin1");
    const line = /^(\d+)\n/.exec(reported);
    if (line === null || hostPid !== undefined || gone) return;
    hostPid = Number(line[1]);
    if (pending !== undefined) send(pending);
  });
  return {
    signal(signal) {
      if (gone) return;
      if (hostPid === undefined) pending = pending === "SIGKILL" ? pending : signal;
      else send(signal);
    },
    exited() { gone = true; },
  };
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (SIGNAL_NUMBERS[signal] ?? 0);
}
