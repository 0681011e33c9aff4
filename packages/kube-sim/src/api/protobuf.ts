// The protobuf request bodies kubectl's typed commands send (`create namespace`, `create
// configmap`, `create secret generic`, `create job`, `auth can-i`), decoded into the JSON objects the handlers
// take. Wire format: the magic "k8s\0", then a runtime.Unknown {typeMeta{apiVersion=1, kind=2}=1,
// raw=2, contentEncoding=3, contentType=4} whose `raw` is the object's own message. Field numbers
// are those of the Kubernetes API's generated.proto. A field this table does not know, if it
// carries a value, is refused (415) rather than dropped; answers stay JSON, which kubectl's
// Accept header ("application/vnd.kubernetes.protobuf,application/json") allows.
import { StatusError, statusFailure } from "../store/errors.ts";

/**
 * "int"/"bool" are Go values (zero = omitted); "int?"/"bool?" are Go pointers, whose zero is sent
 * only when set and so kept. "ignored": a status a client sends on create, which the server discards.
 */
type Scalar = "string" | "bytes" | "int" | "bool" | "int?" | "bool?" | "time" | "ignored";
type FieldType = Scalar | MessageSchema | { map: "string" | "bytes" } | { repeated: Scalar | MessageSchema };
interface MessageSchema { [field: number]: [name: string, type: FieldType] }

const OBJECT_META: MessageSchema = {
  1: ["name", "string"], 2: ["generateName", "string"], 3: ["namespace", "string"], 4: ["selfLink", "string"],
  5: ["uid", "string"], 6: ["resourceVersion", "string"], 7: ["generation", "int"], 8: ["creationTimestamp", "time"],
  9: ["deletionTimestamp", "time"], 10: ["deletionGracePeriodSeconds", "int?"], 11: ["labels", { map: "string" }],
  12: ["annotations", { map: "string" }], 14: ["finalizers", { repeated: "string" }],
};

const NAMESPACE: MessageSchema = {
  1: ["metadata", OBJECT_META], 2: ["spec", { 1: ["finalizers", { repeated: "string" }] }], 3: ["status", "ignored"],
};

const CONFIG_MAP: MessageSchema = {
  1: ["metadata", OBJECT_META], 2: ["data", { map: "string" }], 3: ["binaryData", { map: "bytes" }], 4: ["immutable", "bool?"],
};

const SECRET: MessageSchema = {
  1: ["metadata", OBJECT_META], 2: ["data", { map: "bytes" }], 3: ["type", "string"], 4: ["stringData", { map: "string" }],
  5: ["immutable", "bool?"],
};

const RESOURCE_ATTRIBUTES: MessageSchema = {
  1: ["namespace", "string"], 2: ["verb", "string"], 3: ["group", "string"], 4: ["version", "string"],
  5: ["resource", "string"], 6: ["subresource", "string"], 7: ["name", "string"],
};

const ACCESS_REVIEW: MessageSchema = {
  1: ["metadata", OBJECT_META],
  2: ["spec", { 1: ["resourceAttributes", RESOURCE_ATTRIBUTES], 2: ["nonResourceAttributes", { 1: ["path", "string"], 2: ["verb", "string"] }] }],
  3: ["status", "ignored"],
};

/** What `kubectl create job NAME --image=I -- CMD` sets: a container's name, image, command or args. */
const CONTAINER: MessageSchema = {
  1: ["name", "string"], 2: ["image", "string"], 3: ["command", { repeated: "string" }], 4: ["args", { repeated: "string" }],
  5: ["workingDir", "string"], 13: ["terminationMessagePath", "string"], 14: ["imagePullPolicy", "string"],
  16: ["stdin", "bool"], 17: ["stdinOnce", "bool"], 18: ["tty", "bool"], 20: ["terminationMessagePolicy", "string"],
};

const POD_SPEC: MessageSchema = {
  2: ["containers", { repeated: CONTAINER }], 3: ["restartPolicy", "string"], 4: ["terminationGracePeriodSeconds", "int?"],
  5: ["activeDeadlineSeconds", "int?"], 6: ["dnsPolicy", "string"], 7: ["nodeSelector", { map: "string" }],
  8: ["serviceAccountName", "string"], 10: ["nodeName", "string"], 20: ["initContainers", { repeated: CONTAINER }],
};

const JOB: MessageSchema = {
  1: ["metadata", OBJECT_META],
  2: ["spec", {
    1: ["parallelism", "int?"], 2: ["completions", "int?"], 3: ["activeDeadlineSeconds", "int?"],
    6: ["template", { 1: ["metadata", OBJECT_META], 2: ["spec", POD_SPEC] }], 7: ["backoffLimit", "int?"],
    8: ["ttlSecondsAfterFinished", "int?"], 10: ["suspend", "bool?"],
  }],
  3: ["status", "ignored"],
};

/** What kubectl's typed commands send, by "apiVersion/kind". */
const KINDS: Record<string, MessageSchema> = {
  "v1/Namespace": NAMESPACE,
  "v1/ConfigMap": CONFIG_MAP,
  "v1/Secret": SECRET,
  "authorization.k8s.io/v1/SelfSubjectAccessReview": ACCESS_REVIEW,
  "batch/v1/Job": JOB,
};

const UNKNOWN: MessageSchema = {
  1: ["typeMeta", { 1: ["apiVersion", "string"], 2: ["kind", "string"] }], 2: ["raw", "bytes"],
  3: ["contentEncoding", "string"], 4: ["contentType", "string"],
};

const MAGIC = Buffer.from("k8s\0", "latin1");

/** The JSON object a `application/vnd.kubernetes.protobuf` body stands for. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest("the protobuf body does not start with the k8s\\0 prefix");
  }
  const unknown = decodeMessage(new Reader(body.subarray(MAGIC.length)), UNKNOWN, "runtime.Unknown");
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? "";
  const kind = typeMeta.kind ?? "";
  if (unknown.contentEncoding !== undefined) throw badRequest(`protobuf contentEncoding ${String(unknown.contentEncoding)} is not supported`);
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (!schema) {
    throw new StatusError(statusFailure(415, "UnsupportedMediaType",
      `kube-sim decodes protobuf bodies only for ${Object.keys(KINDS).join(", ")}, not ${apiVersion}/${kind}: `
      + "send it as JSON or YAML (e.g. kubectl create -f / apply -f)"));
  }
  const raw = Buffer.from(String(unknown.raw ?? ""), "base64");
  return { apiVersion, kind, ...decodeMessage(new Reader(raw), schema, kind) };
}

function badRequest(message: string): StatusError {
  return new StatusError(statusFailure(400, "BadRequest", message));
}

/** Reads one message; fields left at their zero value are omitted, as Go's JSON `omitempty` does. */
function decodeMessage(reader: Reader, schema: MessageSchema, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  while (!reader.done()) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    const known = schema[field];
    if (!known) {
      if (!reader.skipEmpty(wireType)) throw unsupportedField(where, field);
      continue;
    }
    const [name, type] = known;
    const path = `${where}.${name}`;
    if (typeof type === "object" && "map" in type) {
      const entry = decodeValue(reader, wireType, { 1: ["key", "string"], 2: ["value", type.map] }, path) as Record<string, unknown>;
      out[name] = { ...(out[name] as object | undefined), [String(entry.key ?? "")]: entry.value ?? "" };
    } else if (typeof type === "object" && "repeated" in type) {
      const value = decodeValue(reader, wireType, type.repeated, path);
      out[name] = [...(out[name] as unknown[] | undefined) ?? [], value ?? (type.repeated === "string" ? "" : {})];
    } else {
      const value = decodeValue(reader, wireType, type, path);
      if (value === undefined) delete out[name];
      else out[name] = value;
    }
  }
  return out;
}

function decodeValue(reader: Reader, wireType: number, type: Scalar | MessageSchema, path: string): unknown {
  const expected = type === "int" || type === "bool" || type === "int?" || type === "bool?" ? 0 : 2;
  if (wireType !== expected) throw badRequest(`protobuf field ${path} has wire type ${wireType}, expected ${expected}`);
  switch (type) {
    case "int": return reader.signed() || undefined;
    case "bool": return reader.varint() !== 0 || undefined;
    case "int?": return reader.signed();
    case "bool?": return reader.varint() !== 0;
    case "string": return reader.bytes().toString("utf8") || undefined;
    case "bytes": return reader.bytes().toString("base64") || undefined;
    case "ignored": return void reader.bytes();
    case "time": {
      const time = decodeMessage(reader.sub(), { 1: ["seconds", "int"], 2: ["nanos", "int"] }, path) as { seconds?: number };
      return time.seconds === undefined ? undefined : new Date(time.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    default: return decodeMessage(reader.sub(), type, path);
  }
}

function unsupportedField(where: string, field: number): StatusError {
  return new StatusError(statusFailure(415, "UnsupportedMediaType",
    `kube-sim cannot decode protobuf field ${field} of ${where}: send this object as JSON or YAML`));
}

/** Protobuf's wire primitives: varints and length-delimited bytes. */
export class Reader {
  private pos = 0;
  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  done(): boolean {
    return this.pos >= this.buffer.length;
  }

  /** An unsigned varint (exact up to 2^53, which every field here stays within). */
  varint(): number {
    return Number(this.varint64());
  }

  /** int32/int64: negative values arrive as 64-bit two's complement. */
  signed(): number {
    return Number(BigInt.asIntN(64, this.varint64()));
  }

  private varint64(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buffer[this.pos++];
      if (byte === undefined) throw badRequest("the protobuf body ends inside a varint");
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw badRequest("a protobuf varint is longer than 10 bytes");
  }

  bytes(): Buffer {
    const length = this.varint();
    if (this.pos + length > this.buffer.length) throw badRequest("a protobuf field is longer than the body");
    const bytes = this.buffer.subarray(this.pos, this.pos + length);
    this.pos += length;
    return bytes;
  }

  sub(): Reader {
    return new Reader(this.bytes());
  }

  /** Skips a field this codec does not know; true if it held only its zero value. */
  skipEmpty(wireType: number): boolean {
    if (wireType === 0) return this.varint() === 0;
    if (wireType === 2) return this.bytes().length === 0;
    if (wireType === 5) this.pos += 4;
    else if (wireType === 1) this.pos += 8;
    else throw badRequest(`protobuf wire type ${wireType} is not supported`);
    return false;
  }
}
