import { ApiError } from "../../lib/api";
import { type AccessMode, type InstanceView, SECRET_MASK, type Transport } from "./api";

/** One row of an env or headers editor. */
export interface Pair {
  key: string;
  value: string;
  /** The row holds a stored (masked) value: emptied for editing, it goes back to the mask. */
  saved?: boolean;
}

/** The instance form's state: text as typed, turned into an API body on submit. */
export interface FormState {
  name: string;
  description: string;
  accessMode: AccessMode;
  transport: Transport;
  command: string;
  /** One argument per line: arguments may contain spaces. */
  args: string;
  env: Pair[];
  cwd: string;
  url: string;
  headers: Pair[];
  sessionPolicy: "per-session" | "shared";
  maxProcesses: string;
  public: boolean;
  connectTimeoutSeconds: string;
  requestTimeoutSeconds: string;
  idleTimeoutSeconds: string;
  environment: string;
  image: string;
}

export type FieldName = keyof FormState;

export const emptyForm = (): FormState => ({
  name: "",
  description: "",
  accessMode: "hosted",
  transport: "stdio",
  command: "",
  args: "",
  env: [],
  cwd: "",
  url: "",
  headers: [],
  sessionPolicy: "per-session",
  maxProcesses: "50",
  public: false,
  connectTimeoutSeconds: "30",
  requestTimeoutSeconds: "120",
  idleTimeoutSeconds: "1800",
  environment: "process",
  image: "",
});

const pairs = (values: Record<string, string>): Pair[] =>
  Object.entries(values).map(([key, value]) => ({ key, value, saved: value === SECRET_MASK }));

/** The form for an existing instance; secret values stay the masks the API sent. */
export function formFromInstance(instance: InstanceView): FormState {
  const upstream = instance.upstream;
  return {
    ...emptyForm(),
    name: instance.name,
    description: instance.description,
    accessMode: instance.accessMode,
    transport: upstream.type,
    command: upstream.type === "stdio" ? upstream.command : "",
    args: upstream.type === "stdio" ? upstream.args.join("\n") : "",
    env: upstream.type === "stdio" ? pairs(upstream.env) : [],
    cwd: upstream.type === "stdio" ? (upstream.cwd ?? "") : "",
    url: upstream.type === "stdio" ? "" : upstream.url,
    headers: upstream.type === "stdio" ? [] : pairs(upstream.headers),
    sessionPolicy: instance.sessionPolicy,
    maxProcesses: String(instance.maxProcesses),
    public: instance.public,
    connectTimeoutSeconds: String(instance.connectTimeoutSeconds),
    requestTimeoutSeconds: String(instance.requestTimeoutSeconds),
    idleTimeoutSeconds: String(instance.idleTimeoutSeconds),
    environment: instance.runtime.environment,
    image: instance.runtime.image ?? "",
  };
}

/** Transports an access mode allows: hosted runs a command, proxy reaches a URL, direct either. */
export function transportsFor(mode: AccessMode): Transport[] {
  if (mode === "hosted") return ["stdio"];
  if (mode === "proxy") return ["streamable-http", "sse"];
  return ["stdio", "streamable-http", "sse"];
}

const record = (rows: Pair[]) =>
  Object.fromEntries(rows.filter((r) => r.key.trim()).map((r) => [r.key.trim(), r.value]));
const number = (text: string) => (text.trim() === "" ? undefined : Number(text));

/**
 * The API body. For an edit, `original` supplies what the form does not show (the upstream's package, the
 * runtime's limits), and the name is left out (instances are not renamed).
 */
export function formToBody(form: FormState, original?: InstanceView): Record<string, unknown> {
  const upstream =
    form.transport === "stdio"
      ? {
          type: "stdio",
          command: form.command.trim(),
          args: form.args.split("\n").filter((line) => line.trim() !== ""),
          env: record(form.env),
          // An edit merges the upstream field by field: an emptied directory must be cleared explicitly.
          ...(form.cwd.trim() ? { cwd: form.cwd.trim() } : original ? { cwd: null } : {}),
          ...(original?.upstream.type === "stdio" && original.upstream.package
            ? { package: original.upstream.package }
            : {}),
        }
      : { type: form.transport, url: form.url.trim(), headers: record(form.headers) };
  const hosted = form.accessMode === "hosted";
  const runtime = {
    ...(original?.runtime ?? {}),
    environment: hosted ? form.environment : "process",
    ...(hosted && form.environment !== "process" && form.image.trim() ? { image: form.image.trim() } : {}),
  };
  if (!hosted || form.environment === "process" || !form.image.trim()) delete runtime.image;
  const body: Record<string, unknown> = {
    ...(original ? {} : { name: form.name.trim() }),
    description: form.description,
    accessMode: form.accessMode,
    public: form.public,
    sessionPolicy: form.sessionPolicy,
    maxProcesses: number(form.maxProcesses),
    connectTimeoutSeconds: number(form.connectTimeoutSeconds),
    requestTimeoutSeconds: number(form.requestTimeoutSeconds),
    idleTimeoutSeconds: number(form.idleTimeoutSeconds),
    upstream,
    runtime,
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

/** The API's validation paths, by the form field that shows them. */
const FIELD_OF: [RegExp, FieldName][] = [
  [/^name$/, "name"],
  [/^description$/, "description"],
  [/^accessMode$/, "accessMode"],
  [/^public$/, "public"],
  [/^sessionPolicy$/, "sessionPolicy"],
  [/^maxProcesses$/, "maxProcesses"],
  [/^connectTimeoutSeconds$/, "connectTimeoutSeconds"],
  [/^requestTimeoutSeconds$/, "requestTimeoutSeconds"],
  [/^idleTimeoutSeconds$/, "idleTimeoutSeconds"],
  [/^upstream\.command$/, "command"],
  [/^upstream\.args(\.|$)/, "args"],
  [/^upstream\.env(\.|$)/, "env"],
  [/^upstream\.cwd$/, "cwd"],
  [/^upstream\.url$/, "url"],
  [/^upstream\.headers(\.|$)/, "headers"],
  [/^upstream(\.type)?$/, "transport"],
  [/^runtime\.image$/, "image"],
  [/^runtime(\.|$)/, "environment"],
];

/** Field-level messages from an API validation error (several for one field are joined). */
export function fieldErrors(error: unknown): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return out;
  for (const detail of error.details) {
    const path = detail.path;
    if (typeof path !== "string") continue;
    const field = FIELD_OF.find(([pattern]) => pattern.test(path))?.[1];
    if (!field) continue;
    // An env or header key in the path tells which row is wrong.
    const key = /^upstream\.(env|headers)\.(.+)$/.exec(path)?.[2];
    const message = key ? `${key}: ${detail.message}` : detail.message;
    out[field] = out[field] ? `${out[field]}; ${message}` : message;
  }
  return out;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** The checks worth doing before asking the server: missing or malformed essentials. */
export function localErrors(
  form: FormState,
  creating: boolean,
): Partial<Record<FieldName, "required" | "invalid">> {
  const out: Partial<Record<FieldName, "required" | "invalid">> = {};
  if (creating) {
    if (!form.name.trim()) out.name = "required";
    else if (!NAME.test(form.name.trim()) || form.name.length > 64) out.name = "invalid";
  }
  if (form.transport === "stdio" && !form.command.trim()) out.command = "required";
  if (form.transport !== "stdio") {
    if (!form.url.trim()) out.url = "required";
    else if (!/^https?:\/\/\S+$/i.test(form.url.trim())) out.url = "invalid";
  }
  return out;
}
