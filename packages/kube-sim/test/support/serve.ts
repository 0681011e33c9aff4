// `kube-sim serve` as a child process, as a person starts it: waits for the line that names the
// kubeconfig (or the limited one with --rbac), and stops it with SIGTERM.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

export interface Served {
  url: string;
  /** Sends SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, ["--conditions=source", CLI, "serve", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ready = args.includes("--rbac") ? "RBAC from" : "kubeconfig:";
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(ready)) resolve();
    });
    void exited.then((code) => reject(new Error(`kube-sim serve exited with ${code}: ${out}`)));
  });
  return {
    url: /listening on (\S+)/.exec(out)?.[1] ?? "",
    async stop() {
      child.kill("SIGTERM");
      return await exited;
    },
  };
}
