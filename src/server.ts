import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { createAccounts } from "./accounts.js";
import type { RouteInfo } from "./api/authn.js";
import { sendError } from "./api/errors.js";
import { securityHeaders } from "./api/hardening.js";
import { registerApi } from "./api/index.js";
import { openApiDocument } from "./api/openapi.js";
import { type Clock, systemClock } from "./auth/clock.js";
import { loadMasterKey, SecretBox } from "./auth/secrets.js";
import { readMcpServersFile } from "./config/mcp-servers-file.js";
import type { ServerConfig } from "./config/server-config.js";
import { type AuditService, DeniedUseAuditor } from "./control/audit.js";
import type { DirectoryService } from "./control/directory.js";
import { EnvironmentService } from "./control/environments.js";
import { RuleError } from "./control/errors.js";
import type { Instance } from "./control/instance-model.js";
import { InstanceService } from "./control/instances.js";
import { PackageService, packagesDir } from "./control/packages.js";
import { InstanceProbe } from "./control/probe.js";
import type { SettingsService } from "./control/settings.js";
import { TemplateService } from "./control/templates.js";
import { TokenService } from "./control/tokens.js";
import type { UserService } from "./control/users.js";
import { gatewayRoutes } from "./gateway/routes.js";
import type { SessionRegistry } from "./gateway/sessions.js";
import { createHttpApp } from "./http-app.js";
import { CallLogWriter } from "./observability/call-log.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { Metrics } from "./observability/metrics.js";
import { hostPathAllowed, runtimeDir } from "./runtime/docker.js";
import { kubernetesUnsupported } from "./runtime/kubernetes.js";
import { ContainerMonitor } from "./runtime/monitor.js";
import { openStore, type Store } from "./store/db.js";
import { EnvironmentRepository } from "./store/environment-repository.js";
import { PackageRepository } from "./store/package-repository.js";
import { CallLogRepository, InstanceRepository, TokenRepository } from "./store/repositories.js";
import { TemplateRepository } from "./store/template-repository.js";
import { Upstreams } from "./upstream/upstreams.js";
import { registerConsole } from "./web/console.js";

const VERSION = "0.1.0";

export interface McpBox {
  app: FastifyInstance;
  url: string;
  store: Store;
  instances: InstanceService;
  tokens: TokenService;
  users: UserService;
  directory: DirectoryService;
  audit: AuditService;
  /** Every admin API route with the access it declares (the RBAC matrix test walks this). */
  apiRoutes: RouteInfo[];
  upstreams: Upstreams;
  sessions: SessionRegistry;
  callLog: CallLogWriter;
  logger: Logger;
  /** Deletes audit and call-log rows past their retention (runs hourly). */
  maintenance(): Promise<void>;
  settings: SettingsService;
  packages: PackageService;
  environments: EnvironmentService;
  /** Graceful stop: refuse new work, let in-flight calls finish up to the deadline, then kill children. */
  close(): Promise<void>;
}

export async function createServer(
  config: ServerConfig,
  options: { logger?: Logger; clock?: Clock } = {},
): Promise<McpBox> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  // Parse the config file before touching anything: a bad file must not leave a half-configured server.
  const fileInstances = config.config ? readMcpServersFile(config.config) : [];

  const master = loadMasterKey(config.masterKey, config.dataDir);
  if (master.origin === "generated-file") {
    logger.warn({ file: master.file }, "generated a master key for secrets at rest: back this file up");
  }
  const secrets = new SecretBox(master.key);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onConnectionError: (error) =>
      logger.warn({ err: error }, "database connection lost; the pool reconnects"),
  });
  let onContainerChange: (instance: string, from: string | undefined, to: string, detail?: string) => void =
    () => {};
  // Environments need the instance list (deletion refused while used); the instances come right after.
  let instances: InstanceService | undefined;
  const environments = new EnvironmentService(
    new EnvironmentRepository(store.db),
    secrets,
    () => instances!,
    {
      bridgeDir: runtimeDir(config.dataDir),
      imageAllowlist: config.imageAllowlist,
    },
  );
  const containerRuntimes = {
    of: (name: string) => environments.containerRuntime(name),
    all: () => environments.allRuntimes(),
  };
  const monitor: ContainerMonitor = new ContainerMonitor(
    containerRuntimes,
    (): Instance[] => instances?.list() ?? [],
    (instance) => upstreams.containerSpec(instance),
    (instance, from, to, detail) => onContainerChange(instance, from, to, detail),
    () => clock.now().getTime(),
  );
  let packages: PackageService | undefined;
  const upstreams: Upstreams = new Upstreams(
    (instance, status, detail) => logger.warn({ instance, status, detail }, "hosted instance status changed"),
    { runtimes: containerRuntimes, monitor },
    (name) => packages?.dirOf(name),
  );
  instances = new InstanceService(new InstanceRepository(store.db, secrets), upstreams, logger);
  instances.validate = (instance) => {
    const environment = environments.get(instance.runtime.environment);
    if (!environment) {
      throw new RuleError(`no environment named "${instance.runtime.environment}"`, "unknown_environment");
    }
    for (const volume of instance.runtime.volumes) {
      if (volume.type === "bind" && !hostPathAllowed(volume.source, config.hostPathAllowlist)) {
        throw new RuleError(
          `host path ${volume.source} is not in the host path allowlist`,
          "host_path_not_allowed",
        );
      }
    }
    const unsupported = environment.kind === "kubernetes" ? kubernetesUnsupported(instance) : undefined;
    if (unsupported) throw new RuleError(unsupported, "unsupported_environment");
  };
  const tokens = new TokenService(new TokenRepository(store.db), () => clock.now());
  try {
    await environments.load();
    await instances.load();
  } catch (error) {
    await store.close(); // e.g. the wrong master key: leave nothing open behind the error
    throw error;
  }
  await tokens.load();
  packages = new PackageService(new PackageRepository(store.db), packagesDir(config.dataDir), instances);
  await packages.load();
  const { audit, directory, settings, users, sessions, twoFactor, apiKeys } = await createAccounts({
    db: store.db,
    config,
    clock,
    logger,
    secrets,
    tokens,
    instances,
  });
  if (fileInstances.length > 0) {
    await instances.upsertMany(fileInstances, "config");
    logger.info({ count: fileInstances.length, file: config.config }, "instances loaded from config file");
  }
  if (config.adminToken && (await tokens.seedAdmin(config.adminToken))) {
    logger.info("admin token seeded from MCPBOX_ADMIN_TOKEN");
  }
  tokens.startFlushing();
  const callLogRepo = new CallLogRepository(store.db);
  const callLog = new CallLogWriter(callLogRepo, logger);
  callLog.start();
  const metrics = new Metrics(() => upstreams.processCounts());

  const tls = config.tlsCert && config.tlsKey ? { cert: config.tlsCert, key: config.tlsKey } : undefined;
  const deniedUse = new DeniedUseAuditor(audit, clock);
  const FAILURES = new Set(["crashed", "failed", "startup-timeout", "running-timeout"]);
  onContainerChange = (instance, from, to, detail) => {
    logger.info({ instance, from, to, detail }, "container status changed");
    void audit.record({
      action: "instance.status",
      outcome: FAILURES.has(to) ? "failure" : "success",
      target: { type: "instance", id: instance },
      details: { from: from ?? null, to, ...(detail ? { detail } : {}) },
    });
  };
  monitor.start();
  /** Retention: audit and call-log rows older than the settings allow are deleted, hourly. */
  async function maintenance(): Promise<void> {
    const { auditRetentionDays, callLogRetentionDays } = settings.current();
    const now = clock.now().getTime();
    try {
      if (auditRetentionDays > 0) await audit.pruneOlderThan(auditRetentionDays);
      if (callLogRetentionDays > 0)
        await callLogRepo.pruneBefore(new Date(now - callLogRetentionDays * 86_400_000));
    } catch (error) {
      logger.warn({ err: error }, "retention pruning failed");
    }
  }
  const retention = setInterval(() => void maintenance(), 3_600_000);
  retention.unref();
  const app = createHttpApp(logger, config.bodyLimitBytes, tls);
  let draining = false;
  app.addHook("onRequest", async (_request, reply) => {
    if (draining) {
      reply.header("connection", "close");
      return sendError(reply, 503, "shutting_down", "server is shutting down");
    }
  });

  const gateway = gatewayRoutes({
    instances,
    tokens,
    upstreams,
    metrics,
    originPolicy: {
      allowedOrigins: config.allowedOrigins,
      allowedHosts: config.allowedHosts,
      listenHost: config.host,
    },
    onDenied: (event) => deniedUse.record(event),
    onCall: (call) =>
      callLog.record({
        instance: call.instance,
        tokenId: call.tokenId ?? null,
        sessionId: call.sessionId,
        method: call.method,
        target: call.target ?? null,
        durationMs: Math.round(call.durationMs),
        outcome: call.outcome,
        errorCode: call.errorCode ?? null,
      }),
  });
  const closeSessions = (name: string) => gateway.sessions.closeAll((s) => s.instance === name);
  await app.register(gateway.register);
  const apiRoutes = await registerApi(app, {
    instances,
    tokens,
    users,
    directory,
    sessions,
    twoFactor,
    apiKeys,
    audit,
    upstreams,
    probe: new InstanceProbe(upstreams),
    baseUrl: () => url,
    runtime: (name) => upstreams.status(name),
    sessionCount: (name) => gateway.sessions.forInstance(name).length,
    closeSessions,
    liveSessions: (name) => gateway.sessions.snapshot(name),
    callLog: callLogRepo,
    settings,
    templates: new TemplateService(new TemplateRepository(store.db), instances),
    packages,
    environments,
    packageMaxBytes: config.packageMaxBytes,
    loginRateLimit: config.loginRateLimitPerMinute,
    tls: tls !== undefined,
    corsOrigins: config.corsOrigins,
  });
  const openapi = openApiDocument(apiRoutes, VERSION);
  await app.register(swagger, { mode: "static", specification: { document: openapi as never } });
  await app.register(swaggerUi, { routePrefix: "/api/docs", staticCSP: true });
  await app.register(async (scope) => {
    await securityHeaders(scope, tls !== undefined);
    scope.get("/api/openapi.json", async () => openapi);
    scope.get("/healthz", async () => ({ status: "ok" }));
    scope.get("/readyz", async (_request, reply) =>
      draining ? sendError(reply, 503, "shutting_down", "draining") : { status: "ready", store: store.kind },
    );
    scope.get("/metrics", async (_request, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  });
  await registerConsole(app, { tls: tls !== undefined });

  const url = await app.listen({ port: config.port, host: config.host });
  if (!tls && !/^(127\.|localhost|::1|\[::1\])/.test(config.host)) {
    logger.warn({ host: config.host }, "listening on a non-loopback address without TLS");
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      draining = true;
      const deadline = Date.now() + config.shutdownTimeoutSeconds * 1000;
      while (gateway.sessions.pendingRequests() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await gateway.sessions.closeAll();
      await upstreams.closeAll();
      app.server.closeAllConnections();
      await app.close();
      clearInterval(retention);
      await Promise.allSettled(packages?.installing.values() ?? []);
      await monitor.stop();
      await callLog.close();
      await tokens.close();
      await store.close();
    })();
    return closing;
  }

  return {
    app,
    url,
    store,
    instances,
    tokens,
    users,
    directory,
    audit,
    apiRoutes,
    maintenance,
    settings,
    packages,
    environments,
    upstreams,
    sessions: gateway.sessions,
    callLog,
    logger,
    close,
  };
}
