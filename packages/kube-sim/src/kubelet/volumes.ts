// Volumes as host directories. emptyDir: a directory per pod. secret/configMap: one file per key
// (or per `items` entry) with defaultMode/mode. persistentVolumeClaim: <dataDir>/pvc/<ns>/<claim>,
// created on demand and shared by every pod naming the claim (the PVC object need not exist).
// hostPath: the path itself.

import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { KubeObject } from "../store/types.ts";
import { EnvConfigError, type EnvLookups, objectData } from "./env.ts";
import type { VolumeMount } from "./process.ts";

interface KeyToPath { key: string; path: string; mode?: number }
interface ProjectedSource { items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
interface Volume {
  name: string;
  emptyDir?: object;
  secret?: ProjectedSource & { secretName?: string };
  configMap?: ProjectedSource & { name?: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  hostPath?: { path: string };
}
interface ContainerVolumeMount { name: string; mountPath: string; readOnly?: boolean; subPath?: string }

const DEFAULT_FILE_MODE = 0o644;

/** Creates each volume's host directory; returns volume name -> host path. Throws EnvConfigError. */
export function materialiseVolumes(pod: KubeObject, podDir: string, dataDir: string, lookups: EnvLookups): Map<string, string> {
  const volumes = ((pod.spec as { volumes?: Volume[] } | undefined)?.volumes) ?? [];
  const result = new Map<string, string>();
  const fsGroup = (pod.spec as { securityContext?: { fsGroup?: number } } | undefined)?.securityContext?.fsGroup;
  for (const volume of volumes) {
    const dir = materialise(pod, volume, podDir, dataDir, lookups);
    if (fsGroup !== undefined && (volume.secret || volume.configMap || volume.emptyDir)) applyFsGroup(dir, fsGroup);
    result.set(volume.name, dir);
  }
  return result;
}

/**
 * As the kubelet does for volumes that support ownership management: the volume's files become
 * group-owned by the pod's fsGroup, so a non-root user reads a 0440 Secret file through its group.
 * Only root can chown; in the unprivileged fallback the files keep their group. Claim
 * directories are shared between pods and keep their ownership.
 */
function applyFsGroup(dir: string, fsGroup: number): void {
  if (process.getuid?.() !== 0) return;
  const paths = [dir, ...readdirSync(dir, { recursive: true, encoding: "utf8" }).map((name) => path.join(dir, name))];
  for (const file of paths) chownSync(file, statSync(file).uid, fsGroup);
}

function materialise(pod: KubeObject, volume: Volume, podDir: string, dataDir: string, lookups: EnvLookups): string {
  if (volume.hostPath) return volume.hostPath.path;
  if (volume.persistentVolumeClaim) {
    return openDirectory(path.join(dataDir, "pvc", pod.metadata.namespace ?? "", volume.persistentVolumeClaim.claimName), 0o777);
  }
  const dir = openDirectory(path.join(podDir, "volumes", volume.name), volume.emptyDir ? 0o777 : 0o755);
  if (volume.secret) writeKeys(dir, volume, "Secret", volume.secret.secretName ?? "", volume.secret, lookups);
  if (volume.configMap) writeKeys(dir, volume, "ConfigMap", volume.configMap.name ?? "", volume.configMap, lookups);
  return dir;
}

function openDirectory(dir: string, mode: number): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, mode); // mkdir's mode is masked by the umask; the pod's user must get in
  return dir;
}

function writeKeys(dir: string, volume: Volume, kind: "Secret" | "ConfigMap", name: string,
  source: ProjectedSource, lookups: EnvLookups): void {
  const object = kind === "Secret" ? lookups.secret(name) : lookups.configMap(name);
  if (object === undefined) {
    if (source.optional === true) return;
    throw new EnvConfigError(`MountVolume.SetUp failed for volume "${volume.name}" : ${kind.toLowerCase()} "${name}" not found`);
  }
  const data = objectData(object, kind);
  const items: KeyToPath[] = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) {
      if (source.optional === true) continue;
      throw new EnvConfigError(`MountVolume.SetUp failed for volume "${volume.name}" : `
        + `configmap references non-existent config key: ${item.key}`);
    }
    const file = path.join(dir, item.path);
    if (!file.startsWith(dir + path.sep)) throw new EnvConfigError(`volume "${volume.name}": item path "${item.path}" leaves the volume`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, value);
    chmodSync(file, item.mode ?? source.defaultMode ?? DEFAULT_FILE_MODE);
  }
}

/** The mounts of one container: its volumeMounts resolved to host paths (unknown names throw). */
export function containerMounts(container: { volumeMounts?: ContainerVolumeMount[] }, volumes: Map<string, string>,
  podVolumes: readonly Volume[]): VolumeMount[] {
  return (container.volumeMounts ?? []).map((mount) => {
    const hostDir = volumes.get(mount.name);
    if (hostDir === undefined) throw new EnvConfigError(`volumeMount "${mount.name}" names no volume of the pod`);
    const volume = podVolumes.find((v) => v.name === mount.name);
    const alwaysReadOnly = volume?.secret !== undefined || volume?.configMap !== undefined;
    return {
      hostPath: mount.subPath ? path.join(hostDir, mount.subPath) : hostDir,
      mountPath: mount.mountPath,
      readOnly: mount.readOnly === true || alwaysReadOnly || volume?.persistentVolumeClaim?.readOnly === true,
    };
  });
}

export type { Volume as PodVolume };
