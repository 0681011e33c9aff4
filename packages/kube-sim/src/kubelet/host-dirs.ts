// Directories the kubelet creates on the host so a container's mount paths and working directory
// exist (a bind mount needs a target; a real container has its own root filesystem instead). A
// test tool leaves no trace: each directory it created is removed once no running container
// needs it, and only if it is still empty. Directories that existed before are never touched.

import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import path from "node:path";

export class HostDirs {
  #users = new Map<string, number>(); // a directory this registry created -> running containers needing it

  /** Makes every path exist (creating what is missing); returns the release for when the container ends. */
  acquire(paths: readonly string[]): () => void {
    const held: string[] = [];
    const release = () => { for (const dir of held.splice(0).reverse()) this.#release(dir); };
    try {
      this.#create(paths, held);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  #create(paths: readonly string[], held: string[]): void {
    for (const target of paths) {
      for (const dir of ancestorsAndSelf(target)) {
        const users = this.#users.get(dir);
        if (users !== undefined) {
          this.#users.set(dir, users + 1);
          held.push(dir);
        } else if (!existsSync(dir)) {
          mkdirSync(dir);
          this.#users.set(dir, 1);
          held.push(dir);
        }
      }
    }
  }

  /** Directories created and still held (for tests and diagnostics). */
  held(): string[] {
    return [...this.#users.keys()];
  }

  #release(dir: string): void {
    const users = (this.#users.get(dir) ?? 1) - 1;
    if (users > 0) {
      this.#users.set(dir, users);
      return;
    }
    this.#users.delete(dir);
    try {
      rmdirSync(dir); // only an empty directory goes
    } catch {
      // not empty (something was written there from the host) or already gone: leave it
    }
  }
}

/** "/a/b/c" -> ["/a", "/a/b", "/a/b/c"] (the root itself is never created). */
function ancestorsAndSelf(target: string): string[] {
  const resolved = path.resolve(target);
  const parts = resolved.split(path.sep).filter((part) => part !== "");
  return parts.map((_, i) => path.sep + parts.slice(0, i + 1).join(path.sep));
}

/**
 * The host paths a container needs before it starts: in "namespace" isolation each mount target
 * and the working directory, except those inside another of its mounts (the script creates them
 * inside the volume); in "direct" isolation the directory it runs in.
 */
export function hostPathsFor(spec: { isolation: string; mounts: readonly { mountPath: string }[]; workingDir?: string },
  directCwd: string): string[] {
  if (spec.isolation !== "namespace") return [directCwd];
  const targets = spec.mounts.map((m) => path.resolve(m.mountPath));
  const inside = (p: string) => targets.some((t) => t !== p && (p.startsWith(t + path.sep) || t === path.sep));
  const wanted = [...targets, ...(spec.workingDir !== undefined ? [path.resolve(spec.workingDir)] : [])];
  return [...new Set(wanted.filter((p) => !inside(p)))];
}
