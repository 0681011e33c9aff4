// Image resolution: an image reference names a local runtime. "host" runs the command with the
// host's own tools; a directory is put first on PATH. Unknown images fail to pull.

export type ImageRuntime = "host" | { binDir: string };

export const DEFAULT_IMAGES: Readonly<Record<string, ImageRuntime>> = {
  busybox: "host", alpine: "host", debian: "host", ubuntu: "host", node: "host",
};

/** docker.io/library/busybox:1.36@sha256:... -> busybox; ghcr.io/org/app:v1 -> org/app. */
export function imageName(reference: string): string {
  let name = reference.split("@")[0] ?? "";
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  if (colon !== -1) name = name.slice(0, colon);
  const parts = name.split("/");
  const first = parts[0] ?? "";
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) parts.shift();
  if (parts.length > 1 && parts[0] === "library") parts.shift();
  return parts.join("/");
}

/** Looks the image up by its full reference first, then by its bare name. */
export function resolveImage(reference: string, images: Readonly<Record<string, ImageRuntime>>): ImageRuntime | undefined {
  return images[reference] ?? images[reference.split("@")[0] ?? ""] ?? images[imageName(reference)];
}
