// The contract between the kubelet (which captures container output) and the API layer (which
// serves GET .../pods/NAME/log). The kubelet owns the storage; the API layer only reads.

export interface LogLine {
  /** Nanoseconds since the Unix epoch, as the container runtime stamped the line. */
  timeNs: bigint;
  /**
   * The same instant as the node wrote it, fixed-width RFC3339Nano in the node's zone:
   * 2024-01-01T00:00:00.123456789Z, or 2024-01-01T08:00:00.123456789+08:00.
   */
  timestamp: string;
  stream: "stdout" | "stderr";
  /** The line's text without its trailing newline (may be huge; may hold any UTF-8). */
  text: string;
  /**
   * Set when the runtime wrote the line as several partial entries (a line longer than its
   * buffer, 16 KiB in containerd and CRI-O), each with its own stamp; the first has the line's.
   * Their texts joined are `text`.
   */
  fragments?: readonly LogFragment[];
}

/** One partial entry of a long line in the node's log file. */
export interface LogFragment {
  timeNs: bigint;
  timestamp: string;
  text: string;
}

export interface ContainerLog {
  /** Everything the container wrote so far (lines removed by simulated rotation are gone). */
  lines(): readonly LogLine[];
  /** True once the container process has exited. */
  readonly ended: boolean;
  /** Live lines after the ones already returned by lines(); onEnd when the container exits. */
  follow(onLine: (line: LogLine) => void, onEnd: () => void): () => void;
}

export interface LogSource {
  /**
   * The log of one container of one pod. `undefined` when the container has not started.
   * `previous` asks for the previous instance (restarted containers); usually undefined.
   */
  containerLog(namespace: string, pod: string, container: string, previous?: boolean): ContainerLog | undefined;
}
