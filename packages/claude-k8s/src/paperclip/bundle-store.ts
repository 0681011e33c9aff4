// Writes a prompt bundle onto the shared volume, from the server (which mounts the volume at the
// same path as the pods). Content-addressed and written once: a bundle directory that exists is
// complete, because it only ever appears by an atomic rename of a fully written temporary one.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BundleFile } from "../spec/bundle.ts";

/** World-readable: the pod runs as another user than the server may. */
const DIR_MODE = 0o755;

async function exists(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => null))?.isDirectory() ?? false;
}

/** Ensures `dir` holds exactly `files`; returns false when it already existed. */
export async function writeSharedBundle(dir: string, files: readonly BundleFile[]): Promise<boolean> {
  if (await exists(dir)) return false;
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  await chmod(parent, DIR_MODE).catch(() => undefined); // another owner's directory: leave it
  const temp = `${dir}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  try {
    for (const file of files) {
      const target = path.join(temp, ...file.path.split("/"));
      if (!target.startsWith(temp + path.sep)) throw new Error(`bundle file ${file.path} leaves the bundle`);
      await mkdirChain(temp, path.dirname(target));
      await writeFile(target, file.content);
      await chmod(target, file.executable ? 0o755 : 0o644);
    }
    await mkdirChain(temp, temp);
    await rename(temp, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (!(await exists(dir))) throw error; // another run wrote the same bundle first: fine
    });
    return true;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** mkdir -p with DIR_MODE on every directory from `root` down to `dir` (umask-proof). */
async function mkdirChain(root: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let current = dir; current.startsWith(root); current = path.dirname(current)) {
    await chmod(current, DIR_MODE);
    if (current === root) break;
  }
}
