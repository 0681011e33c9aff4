// Starts kube-sim (with the fake claude image) in a child process and talks to it over IPC:
// its request record, open watch and log stream counts, container exits and faults.
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import path from "node:path";

export type SimCall =
  | { op: "info" }
  | { op: "addUser"; token: string; user: string }
  | { op: "requests"; since?: number; user?: string }
  | { op: "counts" }
  | { op: "exits" }
  | { op: "cutLogStreamsEvery"; ms: number }
  | { op: "stopCuttingLogStreams" }
  | { op: "setConditionLag"; ms: number }
  | { op: "stop" };

export type SimReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export type SimRequest = { time: number; verb: string; resource: string | null; subresource: string | null; user: string | null; code: number; durationMs: number };
export type SimExit = { pod: string; container: string; exitCode: number; finishedAtMs: number };

export class SimProcess {
  readonly child: ChildProcess;
  kubeconfigPath = "";
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly ready: Promise<void>;

  private constructor(binDir: string) {
    this.child = fork(path.join(import.meta.dirname, "sim-child.ts"), [binDir], { execArgv: ["--conditions=source"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = Promise.withResolvers<void>();
    this.ready = ready.promise;
    this.child.on("message", (reply: SimReply) => {
      if (reply.id === 0) { ready.resolve(); return; }
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new Error(`kube-sim process: ${reply.error}`));
    });
    this.child.on("exit", (code) => {
      const error = new Error(`kube-sim process exited (code ${code})`);
      ready.reject(error);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  static async start(binDir: string): Promise<SimProcess> {
    const sim = new SimProcess(binDir);
    await sim.ready;
    const info = await sim.call<{ kubeconfigPath: string }>({ op: "info" });
    sim.kubeconfigPath = info.kubeconfigPath;
    return sim;
  }

  call<T>(call: SimCall): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    this.child.send({ id, call });
    return answer;
  }

  requests(filter: { since?: number; user?: string } = {}): Promise<SimRequest[]> {
    return this.call({ op: "requests", ...filter });
  }

  counts(): Promise<{ openWatches: number; openLogStreams: number }> {
    return this.call({ op: "counts" });
  }

  exits(): Promise<SimExit[]> {
    return this.call({ op: "exits" });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    await this.call({ op: "stop" }).catch(() => undefined);
    await exited;
  }
}
