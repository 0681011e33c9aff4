// A record of every request the API server answered: for API-call counts in tests and
// benchmarks, and for deriving the RBAC a client really needs.
import type { PolicyRule } from "./rbac.ts";

export interface RecordedRequest {
  /** Milliseconds since the Unix epoch when the request arrived. */
  time: number;
  method: string;
  path: string;
  user: string | undefined;
  /** RBAC verb (get, list, watch, create...) or the lower-case method for non-resource paths. */
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
  durationMs: number;
}

export interface RequestQuery {
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  user?: string;
  code?: number;
  since?: number;
}

export class RequestRecord {
  private entries: RecordedRequest[] = [];
  private readonly limit: number;

  constructor(limit = 100_000) {
    this.limit = limit;
  }

  add(entry: RecordedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries = this.entries.slice(-this.limit);
  }

  all(): RecordedRequest[] {
    return [...this.entries];
  }

  find(query: RequestQuery = {}): RecordedRequest[] {
    return this.entries.filter((e) => (query.verb === undefined || e.verb === query.verb)
      && (query.resource === undefined || e.resource === query.resource)
      && (query.subresource === undefined || e.subresource === query.subresource)
      && (query.namespace === undefined || e.namespace === query.namespace)
      && (query.user === undefined || e.user === query.user)
      && (query.code === undefined || e.code === query.code)
      && (query.since === undefined || e.time >= query.since));
  }

  count(query: RequestQuery = {}): number {
    return this.find(query).length;
  }

  clear(): void {
    this.entries = [];
  }

  /** The smallest rules covering every resource request recorded (grouped by API group and resource). */
  derivedRules(query: RequestQuery = {}): PolicyRule[] {
    const verbs = new Map<string, Set<string>>();
    for (const e of this.find(query)) {
      if (e.resource === undefined) continue;
      const key = `${e.group ?? ""}\u0000${e.subresource ? `${e.resource}/${e.subresource}` : e.resource}`;
      const set = verbs.get(key) ?? new Set<string>();
      set.add(e.verb);
      verbs.set(key, set);
    }
    return [...verbs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, set]) => {
      const [group = "", resource = ""] = key.split("\u0000");
      return { apiGroups: [group], resources: [resource], verbs: [...set].sort() };
    });
  }
}
