// What a run needs from its host, in the run's own words (run/ knows nothing of Paperclip's
// types; paperclip/execute.ts adapts the host's callbacks to this). Every method is safe to call:
// a host callback that throws or rejects never reaches the run (R9), and once the run has
// returned, nothing reaches the host any more.

export type StatusLevel = "info" | "warn" | "error";

export type RunStatus = {
  /** A short machine name: "k8s.job.created", "k8s.pod.scheduled", ... */
  type: string;
  level: StatusLevel;
  message: string;
  /** Still starting (true) or already past the container's start. */
  starting: boolean;
  payload?: Record<string, unknown>;
};

export type RunHost = {
  /** The transcript: each call one or more whole lines. Resolves when the host took it. */
  log(stream: "stdout" | "stderr", text: string): Promise<void>;
  /** A status change for the operator (not the transcript). */
  status(status: RunStatus): void;
  /** Right before the Job create request. */
  dispatch(): void;
  /** Stop delivering anything: the run has returned. */
  close(): void;
};

/** Wraps raw callbacks into a RunHost that never throws and goes quiet after close(). */
export function safeHost(raw: {
  log: (stream: "stdout" | "stderr", text: string) => Promise<void> | void;
  status?: (status: RunStatus) => Promise<void> | void;
  dispatch?: () => void;
}): RunHost {
  let open = true;
  const guard = <A extends unknown[]>(fn: ((...args: A) => Promise<void> | void) | undefined) => async (...args: A): Promise<void> => {
    if (!open || !fn) return;
    try {
      await fn(...args);
    } catch {
      // The host's sink failing (back-pressure, a closed run) must not stop the run (R9).
    }
  };
  const log = guard(raw.log);
  const status = guard(raw.status);
  const dispatch = guard(raw.dispatch);
  return {
    log,
    status: (s) => { void status(s); },
    dispatch: () => { void dispatch(); },
    close: () => { open = false; },
  };
}
