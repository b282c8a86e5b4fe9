import type { Logger } from "pino";
import {
  type InstanceRepository,
  type InstanceRow,
  NO_OWNER,
  type Ownership,
} from "../store/repositories.js";
import type { Upstreams } from "../upstream/upstreams.js";
import { ConflictError, NotFoundError, RuleError } from "./errors.js";
import { type Instance, type InstanceInput, instanceSchema, SECRET_MASK } from "./instance-model.js";

/**
 * Instances: the database is the record, and this service keeps the in-memory view the gateway reads on
 * the hot path. Every write goes through here so the view never drifts.
 */
export class InstanceService {
  private readonly view = new Map<string, Instance>();
  private readonly owners = new Map<string, Ownership>();
  /** Checks that need other services (e.g. the environment exists); throws a RuleError. */
  validate: (instance: Instance) => void = () => {};

  constructor(
    private readonly repo: InstanceRepository,
    private readonly upstreams: Upstreams,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<void> {
    this.view.clear();
    this.owners.clear();
    for (const row of await this.repo.list()) {
      this.view.set(row.name, instanceSchema.parse(row.spec));
      this.owners.set(row.name, { ownerId: row.ownerId, departmentId: row.departmentId });
    }
  }

  /** Owner and department of an instance, for data scopes. */
  ownership(name: string): Ownership {
    return this.owners.get(name) ?? NO_OWNER;
  }

  countInDepartment(departmentId: string): number {
    return [...this.owners.values()].filter((o) => o.departmentId === departmentId).length;
  }

  /** Hot path: no I/O. */
  get(name: string): Instance | undefined {
    return this.view.get(name);
  }

  list(): Instance[] {
    return [...this.view.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(input: InstanceInput, source = "api", owner: Ownership = NO_OWNER): Promise<Instance> {
    const instance = instanceSchema.parse(input);
    this.validate(instance);
    if (this.view.has(instance.name) || (await this.repo.get(instance.name))) {
      throw new ConflictError(`instance "${instance.name}" already exists`);
    }
    await this.repo.insert(instance, source, owner);
    this.view.set(instance.name, instance);
    this.owners.set(instance.name, owner);
    this.logger.info({ instance: instance.name, accessMode: instance.accessMode }, "instance created");
    return instance;
  }

  /** Upserts definitions from a config file, all or nothing; changed hosted instances restart lazily. */
  async upsertMany(instances: Instance[], source: string): Promise<void> {
    for (const instance of instances) this.validate(instance);
    await this.repo.upsertMany(instances, source);
    for (const instance of instances) {
      const previous = this.view.get(instance.name);
      this.view.set(instance.name, instance);
      if (previous && JSON.stringify(previous) !== JSON.stringify(instance))
        await this.upstreams.release(instance.name);
    }
  }

  /**
   * Applies a partial change (merged over the stored definition, then validated whole). Secret values sent
   * back as the mask keep their stored value, so a client can edit an instance it only ever saw masked.
   * `null` clears a field, at the top level and in `upstream` / `runtime`: an optional one (`upstream.cwd`,
   * `runtime.image`…) is removed, one with a default (`upstream.env`, the timeouts…) gets it back, and a
   * required one (`upstream.command`) fails validation like a missing one.
   * A changed definition ends the instance's sessions and processes; clients reconnect to the new one.
   */
  async update(
    name: string,
    patch: Record<string, unknown>,
    closeSessions: (name: string) => Promise<void>,
  ): Promise<Instance> {
    const current = this.view.get(name);
    if (!current) throw new NotFoundError(`no instance named "${name}"`);
    if (patch.name !== undefined && patch.name !== name)
      throw new RuleError("an instance cannot be renamed", "rename");
    const merged = withoutNulls({ ...current, ...patch, name });
    if (isObject(patch.upstream)) {
      merged.upstream = withoutNulls(keepMaskedSecrets(patch.upstream, current.upstream));
    }
    // `runtime` is replaced whole (an omitted field is cleared too); `null` inside it clears the same way.
    if (isObject(patch.runtime)) merged.runtime = withoutNulls(patch.runtime);
    const next = instanceSchema.parse(merged);
    this.validate(next);
    await this.repo.replace(next);
    this.view.set(name, next);
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      await closeSessions(name);
      await this.upstreams.release(name);
    }
    return next;
  }

  /** Start (allow sessions) or stop (end sessions, kill processes, refuse new sessions). */
  setEnabled(
    name: string,
    enabled: boolean,
    closeSessions: (name: string) => Promise<void>,
  ): Promise<Instance> {
    return this.update(name, { enabled }, closeSessions);
  }

  /** Ends sessions and processes; the next session starts fresh ones. */
  async restart(name: string, closeSessions: (name: string) => Promise<void>): Promise<void> {
    if (!this.view.has(name)) throw new NotFoundError(`no instance named "${name}"`);
    await closeSessions(name);
    await this.upstreams.release(name);
  }

  async delete(name: string, closeSessions: (name: string) => Promise<void>): Promise<void> {
    if (!(await this.repo.delete(name))) throw new NotFoundError(`no instance named "${name}"`);
    this.view.delete(name);
    this.owners.delete(name);
    await closeSessions(name);
    await this.upstreams.release(name);
    this.logger.info({ instance: name }, "instance deleted");
  }

  row(name: string): Promise<InstanceRow | undefined> {
    return this.repo.get(name);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The fields of `value` that are not `null`: a patch's `null` means "unset" (then a default may apply). */
const withoutNulls = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));

/**
 * Merges an upstream patch over the stored upstream (same type: field by field; new type: as given); env
 * values / headers given as the mask take the stored value of the same key.
 */
function keepMaskedSecrets(
  next: Record<string, unknown>,
  current: Instance["upstream"],
): Record<string, unknown> {
  const sameType = next.type === undefined || next.type === current.type;
  const base: Record<string, unknown> = sameType ? { ...current, ...next } : { ...next };
  const field = base.type === "stdio" ? "env" : "headers";
  const given = base[field];
  if (!sameType || !given || typeof given !== "object") return base;
  const stored = (current as Record<string, unknown>)[field] as Record<string, string> | undefined;
  base[field] = Object.fromEntries(
    Object.entries(given as Record<string, unknown>).map(([key, value]) => [
      key,
      value === SECRET_MASK && stored?.[key] !== undefined ? stored[key] : value,
    ]),
  );
  return base;
}
