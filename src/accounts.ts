import type { Clock } from "./auth/clock.js";
import { ConsoleSessions } from "./auth/console-sessions.js";
import type { SecretBox } from "./auth/secrets.js";
import { TwoFactor } from "./auth/two-factor.js";
import type { ServerConfig } from "./config/server-config.js";
import { ApiKeyService } from "./control/api-keys.js";
import { AuditService } from "./control/audit.js";
import { DirectoryService } from "./control/directory.js";
import type { InstanceService } from "./control/instances.js";
import { SettingsService } from "./control/settings.js";
import type { TokenService } from "./control/tokens.js";
import { UserService } from "./control/users.js";
import type { Logger } from "./observability/logger.js";
import {
  ApiKeyRepository,
  AuditRepository,
  DepartmentRepository,
  RoleRepository,
  SessionRepository,
  UserRepository,
} from "./store/account-repositories.js";
import type { Db } from "./store/db.js";
import { SettingsRepository } from "./store/settings-repository.js";

export interface AccountDeps {
  db: Db;
  config: ServerConfig;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  tokens: TokenService;
  instances: InstanceService;
}

/**
 * The control plane's people side: audit log, departments and roles, run-time settings, users with their
 * console sessions, second factor and API keys; seeds the `admin` user on the first start.
 */
export async function createAccounts({ db, config, clock, logger, secrets, tokens, instances }: AccountDeps) {
  const audit = new AuditService(new AuditRepository(db), clock, logger);
  const userRepo = new UserRepository(db);
  const directory = new DirectoryService(
    new DepartmentRepository(db),
    new RoleRepository(db),
    userRepo,
    (id) => instances.countInDepartment(id),
  );
  await directory.load();
  const settings = new SettingsService(new SettingsRepository(db), config);
  await settings.load();
  let sessions: ConsoleSessions | undefined;
  // Policies read the current settings on every use, so a change through the API applies at once.
  const passwordPolicy = {
    get minLength() {
      return settings.current().passwordMinLength;
    },
  };
  const users = new UserService(userRepo, directory, passwordPolicy, clock, {
    async accountChanged(userId, active) {
      tokens.suspendOwner(userId, !active);
      if (!active) await sessions?.revokeAll(userId);
    },
    async credentialsReset(userId) {
      await sessions?.revokeAll(userId);
    },
  });
  const twoFactor = new TwoFactor(userRepo, secrets, clock);
  sessions = new ConsoleSessions(new SessionRepository(db), users, twoFactor, clock, {
    get idleMinutes() {
      return settings.current().sessionIdleMinutes;
    },
    get absoluteHours() {
      return settings.current().sessionAbsoluteHours;
    },
    get lockoutThreshold() {
      return settings.current().lockoutThreshold;
    },
    get lockoutMinutes() {
      return settings.current().lockoutMinutes;
    },
  });
  for (const id of await userRepo.inactiveIds()) tokens.suspendOwner(id, true);
  const seeded = await users.seedAdmin(config.adminPassword);
  if (seeded?.generated) {
    // Printed once, on the first start only; the hash is all that is kept.
    logger.warn(
      `created the admin user with a generated password (shown only this once; sign in and change it): admin password: ${seeded.generated}`,
    );
  } else if (seeded) {
    logger.info("created the admin user with the password from MCPBOX_ADMIN_PASSWORD");
  }
  const apiKeys = new ApiKeyService(new ApiKeyRepository(db), clock);
  return { audit, directory, settings, users, sessions, twoFactor, apiKeys };
}
