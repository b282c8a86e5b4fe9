import type { FastifyInstance } from "fastify";
import type { AuditService } from "../control/audit.js";
import { type SettingsService, settingsPatchSchema } from "../control/settings.js";
import { auditSuccess } from "./authn.js";

export function settingsRoutes(deps: { settings: SettingsService; audit: AuditService }) {
  return async (app: FastifyInstance) => {
    app.get("/settings", { config: { access: "settings:read", summary: "Run-time settings" } }, async () =>
      deps.settings.current(),
    );
    app.patch(
      "/settings",
      {
        config: { access: "settings:write", body: settingsPatchSchema, summary: "Change run-time settings" },
      },
      async (request) => {
        const before = deps.settings.current();
        const after = await deps.settings.update(request.body);
        const changed = Object.fromEntries(
          Object.entries(after)
            .filter(([key, value]) => before[key as keyof typeof before] !== value)
            .map(([key, value]) => [key, { from: before[key as keyof typeof before], to: value }]),
        );
        await auditSuccess(
          deps.audit,
          request,
          "settings.update",
          { type: "settings", id: "global" },
          { changed },
        );
        return after;
      },
    );
  };
}
