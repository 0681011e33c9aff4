// Host paths the server writes into every run's env, made pod-local. Before execute() the
// server (@paperclipai/server dist/services/run-scratch.js, buildHeartbeatRunScratchEnv, called
// from heartbeat.js into config.env) creates a per-run scratch directory in its own temporary
// directory and sets PAPERCLIP_RUN_SCRATCH_DIR, PAPERCLIP_TASK_SCRATCH_DIR,
// PAPERCLIP_SCRATCH_DIR and PAPERCLIP_TMPDIR to it, plus TMPDIR, TEMP and TMP unless the
// agent's env already set them. That directory does not exist in the pod: each run gets an
// emptyDir at POD_SCRATCH_DIR instead, and every value naming the host directory is rewritten.
// When the server stages GitHub launchers (adapter-utils dist/execution-target.js,
// prepareGitHubOperationLaunchers) it also points PATH, ZDOTDIR, BASH_ENV, GH_CONFIG_DIR and
// PAPERCLIP_GITHUB_LAUNCHER_DIR at a host directory ".../paperclip-github-runtime/<runId>";
// those launchers are not in the pod, and PATH would replace the image's own: they are dropped.

/** The pod-local scratch directory (an emptyDir in the claude container). */
export const POD_SCRATCH_DIR = "/tmp/paperclip-scratch";
export const SCRATCH_VOLUME = "scratch";

/** Names that only ever carry the server's run scratch directory. */
export const SCRATCH_ENV_KEYS: readonly string[] = [
  "PAPERCLIP_RUN_SCRATCH_DIR", "PAPERCLIP_TASK_SCRATCH_DIR", "PAPERCLIP_SCRATCH_DIR", "PAPERCLIP_TMPDIR",
];
/** Names the server points at the scratch directory unless the agent's env set them. */
export const TEMP_ENV_KEYS: readonly string[] = ["TMPDIR", "TEMP", "TMP"];

const LAUNCHER_SEGMENT = "/paperclip-github-runtime/";
export const LAUNCHER_ENV_KEYS: readonly string[] = ["PATH", "ZDOTDIR", "BASH_ENV", "GH_CONFIG_DIR", "PAPERCLIP_GITHUB_LAUNCHER_DIR"];

export interface PodLocalEnv {
  /** The layers, in the order given, with host paths mapped or dropped. */
  layers: Record<string, string>[];
  /** The host scratch directory seen, or null when the server set none. */
  hostScratchDir: string | null;
  notes: string[];
}

function hostScratchOf(layers: readonly Record<string, string>[]): string | null {
  for (const layer of layers) {
    for (const key of SCRATCH_ENV_KEYS) {
      const value = layer[key]?.trim();
      if (value && value.startsWith("/")) return value.replace(/\/+$/, "") || null;
    }
  }
  return null;
}

function underHost(value: string, hostDir: string): string | null {
  if (value === hostDir) return POD_SCRATCH_DIR;
  return value.startsWith(`${hostDir}/`) ? `${POD_SCRATCH_DIR}${value.slice(hostDir.length)}` : null;
}

function mapLayer(layer: Record<string, string>, hostDir: string | null, notes: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(layer)) {
    if (LAUNCHER_ENV_KEYS.includes(name) && value.includes(LAUNCHER_SEGMENT)) {
      notes.push(`not passed: ${name} (points at the server's GitHub launcher directory, which the pod does not have)`);
      continue;
    }
    if (SCRATCH_ENV_KEYS.includes(name)) { out[name] = POD_SCRATCH_DIR; continue; }
    const mapped = hostDir ? underHost(value, hostDir) : null;
    out[name] = mapped ?? value;
  }
  return out;
}

/** Rewrites the server's host scratch paths to POD_SCRATCH_DIR in each env layer. Pure. */
export function podLocalEnv(layers: readonly Record<string, string>[]): PodLocalEnv {
  const hostScratchDir = hostScratchOf(layers);
  const notes: string[] = [];
  const mapped = layers.map((layer) => mapLayer(layer, hostScratchDir, notes));
  if (hostScratchDir) notes.push(`run scratch: the server's ${hostScratchDir} is ${POD_SCRATCH_DIR} in the pod (an emptyDir)`);
  return { layers: mapped, hostScratchDir, notes };
}
