import cookie from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { ConsoleSessions } from "../auth/console-sessions.js";
import type { TwoFactor } from "../auth/two-factor.js";
import type { ApiKeyService } from "../control/api-keys.js";
import type { AuditService } from "../control/audit.js";
import type { DirectoryService } from "../control/directory.js";
import type { EnvironmentService } from "../control/environments.js";
import type { InstanceService } from "../control/instances.js";
import type { PackageService } from "../control/packages.js";
import type { InstanceProbe } from "../control/probe.js";
import type { SettingsService } from "../control/settings.js";
import type { TemplateService } from "../control/templates.js";
import type { TokenService } from "../control/tokens.js";
import type { UserService } from "../control/users.js";
import type { SessionSnapshot } from "../gateway/sessions.js";
import type { CallLogRepository } from "../store/repositories.js";
import type { UpstreamStatus, Upstreams } from "../upstream/upstreams.js";
import { apiKeyRoutes } from "./api-keys.js";
import { auditRoutes } from "./audit.js";
import { authRoutes } from "./auth.js";
import { installAccessControl, type RouteInfo } from "./authn.js";
import { directoryRoutes } from "./directory.js";
import { environmentRoutes } from "./environments.js";
import { apiErrorHandler, sendError } from "./errors.js";
import { corsAllowlist, securityHeaders } from "./hardening.js";
import { instanceOpsRoutes } from "./instance-ops.js";
import { instanceRoutes } from "./instances.js";
import { packageRoutes } from "./packages.js";
import { settingsRoutes } from "./settings.js";
import { statsRoutes } from "./stats.js";
import { templateRoutes } from "./templates.js";
import { tokenRoutes } from "./tokens.js";
import { twoFactorRoutes } from "./two-factor.js";
import { userRoutes } from "./users.js";

export interface ApiDeps {
  instances: InstanceService;
  tokens: TokenService;
  users: UserService;
  directory: DirectoryService;
  sessions: ConsoleSessions;
  twoFactor: TwoFactor;
  apiKeys: ApiKeyService;
  audit: AuditService;
  upstreams: Upstreams;
  probe: InstanceProbe;
  baseUrl: () => string;
  runtime: (name: string) => UpstreamStatus | undefined;
  sessionCount: (name: string) => number;
  closeSessions: (name: string) => Promise<void>;
  /** The live gateway sessions of an instance. */
  liveSessions: (name: string) => SessionSnapshot[];
  callLog: CallLogRepository;
  settings: SettingsService;
  templates: TemplateService;
  packages: PackageService;
  environments: EnvironmentService;
  packageMaxBytes: number;
  loginRateLimit: number;
  tls: boolean;
  corsOrigins: string[];
}

/** The admin API under /api/v1; returns the registry of its routes and the access each declares. */
export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<RouteInfo[]> {
  const routes: RouteInfo[] = [];
  await app.register(cookie);
  await app.register(
    async (api) => {
      await securityHeaders(api, deps.tls);
      await corsAllowlist(api, deps.corsOrigins);
      await api.register(rateLimit, {
        global: false,
        // Thrown to the error handler below, which gives it the API's one error shape.
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          code: "rate_limited",
          message: `too many requests; retry in ${context.after}`,
        }),
      });
      api.setErrorHandler((error: Error, _request, reply) => apiErrorHandler(error, reply));
      api.setNotFoundHandler((request, reply) =>
        sendError(reply, 404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
      );
      installAccessControl(
        api,
        {
          sessions: deps.sessions,
          apiKeys: deps.apiKeys,
          users: deps.users,
          audit: deps.audit,
          verifyAccessToken: (secret) => deps.tokens.verify(secret),
        },
        routes,
      );
      await api.register(
        authRoutes({
          sessions: deps.sessions,
          users: deps.users,
          audit: deps.audit,
          absoluteHours: () => deps.settings.current().sessionAbsoluteHours,
          loginRateLimit: deps.loginRateLimit,
        }),
      );
      await api.register(twoFactorRoutes(deps));
      await api.register(userRoutes(deps));
      await api.register(directoryRoutes(deps));
      await api.register(apiKeyRoutes(deps));
      await api.register(auditRoutes(deps.audit));
      await api.register(settingsRoutes(deps));
      await api.register(tokenRoutes(deps));
      await api.register(instanceRoutes(deps));
      await api.register(instanceOpsRoutes(deps));
      await api.register(statsRoutes(deps));
      await api.register(templateRoutes(deps));
      await api.register(environmentRoutes(deps));
      await api.register(
        packageRoutes({ packages: deps.packages, audit: deps.audit, maxBytes: deps.packageMaxBytes }),
      );
    },
    { prefix: "/api/v1" },
  );
  return routes;
}
