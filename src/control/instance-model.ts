import { z } from "zod";
import { text } from "./text.js";

/** URL-safe instance names: they become path segments under /mcp/. */
export const instanceNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/i,
    "must start with a letter or digit and contain only letters, digits, '.', '_', '-'",
  )
  // These are admin API paths under /instances/.
  .refine((name) => !["import", "export"].includes(name.toLowerCase()), "is a reserved name");

/** Code package names (a directory each in the data dir). */
export const packageNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "1–64 of a-z, 0-9 and '-'");
/** Environment names: `process`, `docker`, or a configured one. */
export const environmentNameSchema = z.string().regex(/^[a-z][a-z0-9-]{1,47}$/, "2–48 of a-z, 0-9 and '-'");

const mountTarget = z
  .string()
  .max(512)
  .refine(
    (p) => p.startsWith("/") && !p.split("/").includes("..") && !p.includes("\u0000"),
    "an absolute path without '..'",
  )
  .refine(
    (p) =>
      p !== "/" &&
      !["/mcpbox", "/app", "/tmp", "/proc", "/sys", "/dev"].some((r) => p === r || p.startsWith(`${r}/`)),
    "a reserved path",
  );

export const volumeSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("bind"),
    /** An absolute host path inside one of the admin's allowed host paths. */
    source: z
      .string()
      .max(1024)
      .refine(
        (p) => p.startsWith("/") && !p.split("/").includes("..") && !p.includes("\u0000"),
        "an absolute path without '..'",
      ),
    target: mountTarget,
    readOnly: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal("volume"),
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, "a Docker volume name"),
    target: mountTarget,
    readOnly: z.boolean().default(false),
  }),
]);
export type Volume = z.infer<typeof volumeSchema>;

const headerValues = z.record(text(256).pipe(z.string().min(1)), text(8192));

export const stdioUpstreamSchema = z.strictObject({
  type: z.literal("stdio"),
  command: text(4096).pipe(z.string().min(1)),
  args: z.array(text(8192)).max(256).default([]),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "invalid env var name"), text(32_768))
    .default({}),
  cwd: text(4096).optional(),
  /** An uploaded code package: the working directory of the process, or mounted read-only at /app. */
  package: packageNameSchema.optional(),
});

export const remoteUpstreamSchema = z.strictObject({
  type: z.enum(["sse", "streamable-http"]),
  url: z
    .string()
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), "must be an http(s) URL"),
  headers: headerValues.default({}),
});

export const upstreamSchema = z.discriminatedUnion("type", [stdioUpstreamSchema, remoteUpstreamSchema]);

export const instanceSettingsSchema = z.strictObject({
  accessMode: z.enum(["hosted", "proxy", "direct"]),
  public: z.boolean().default(false),
  sessionPolicy: z.enum(["per-session", "shared"]).default("per-session"),
  /** Upper bound on live child processes of a hosted stdio instance. */
  maxProcesses: z.number().int().min(1).max(1000).default(50),
  connectTimeoutSeconds: z.number().positive().max(600).default(30),
  requestTimeoutSeconds: z.number().positive().max(86_400).default(120),
  idleTimeoutSeconds: z.number().positive().max(604_800).default(1800),
  description: text(2000).default(""),
  /** Stopped instances refuse new sessions and run no processes. */
  enabled: z.boolean().default(true),
  /** Where a hosted instance runs: a local process (default) or a hardened Docker container. */
  runtime: z
    .strictObject({
      /** `process`, the local `docker`, or a configured environment's name. */
      environment: environmentNameSchema.default("process"),
      /** The container image; it must provide Node.js ≥ 20 for the bridge, plus what the server needs. */
      image: text(512).optional(),
      /** A numeric uid[:gid]: containers never run as root. */
      user: z
        .string()
        .regex(/^\d+(:\d+)?$/, "a numeric uid or uid:gid")
        .refine((u) => !/^0(:|$)/.test(u), "containers do not run as root")
        .default("10001:10001"),
      cpus: z.number().positive().max(64).default(1),
      memoryMb: z.number().int().min(32).max(65_536).default(512),
      pids: z.number().int().min(16).max(32_768).default(256),
      nodePath: text(256).default("node"),
      /** Host directories (allowlisted by the admin) and named volumes mounted into the container. */
      volumes: z.array(volumeSchema).max(20).default([]),
      /** Stop the container after this long (status `running-timeout`). */
      maxRunSeconds: z
        .number()
        .int()
        .positive()
        .max(30 * 86_400)
        .optional(),
    })
    .default({
      environment: "process",
      user: "10001:10001",
      cpus: 1,
      memoryMb: 512,
      pids: 256,
      nodePath: "node",
      volumes: [],
    }),
});

export const instanceSchema = instanceSettingsSchema
  .extend({ name: instanceNameSchema, upstream: upstreamSchema })
  .superRefine((value, ctx) => {
    if (value.accessMode === "hosted" && value.upstream.type !== "stdio") {
      ctx.addIssue({ code: "custom", path: ["accessMode"], message: "hosted instances run a stdio command" });
    }
    if (value.runtime.environment === "docker" && (value.accessMode !== "hosted" || !value.runtime.image)) {
      ctx.addIssue({
        code: "custom",
        path: ["runtime"],
        message: "a docker runtime needs a hosted instance and an image",
      });
    }
    if (value.accessMode === "proxy" && value.upstream.type === "stdio") {
      ctx.addIssue({ code: "custom", path: ["accessMode"], message: "proxy instances need an upstream url" });
    }
  });

export type Instance = z.infer<typeof instanceSchema>;
export type InstanceInput = z.input<typeof instanceSchema>;
export type StdioUpstream = z.infer<typeof stdioUpstreamSchema>;
export type RemoteUpstream = z.infer<typeof remoteUpstreamSchema>;

/** How write-only values (env values, upstream headers, keys) are shown by the API. */
export const SECRET_MASK = "••••";

/** The values MCPBox treats as secrets: a stdio server's env values, a remote server's headers. */
export const secretValues = (upstream: Instance["upstream"]): Record<string, string> =>
  upstream.type === "stdio" ? upstream.env : upstream.headers;

/** The instance with its secret values passed through `map` (to seal, open or mask them). */
export function mapSecretValues(
  instance: Instance,
  map: (values: Record<string, string>) => Record<string, string>,
): Instance {
  const upstream =
    instance.upstream.type === "stdio"
      ? { ...instance.upstream, env: map(instance.upstream.env) }
      : { ...instance.upstream, headers: map(instance.upstream.headers) };
  return { ...instance, upstream } as Instance;
}

export const maskValues = (values: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.keys(values).map((key) => [key, SECRET_MASK]));
