import type { Logger } from "pino";
import {
  type InstanceRepository,
  type InstanceRow,
  NO_OWNER,
  type Ownership,
} from "../store/repositories.js";
import type { Upstreams } from "../upstream/upstreams.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { type Instance, type InstanceInput, instanceSchema } from "./instance-model.js";

/**
 * Instances: the database is the record, and this service keeps the in-memory view the gateway reads on
 * the hot path. Every write goes through here so the view never drifts.
 */
export class InstanceService {
  private readonly view = new Map<string, Instance>();
  private readonly owners = new Map<string, Ownership>();

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
    await this.repo.upsertMany(instances, source);
    for (const instance of instances) {
      const previous = this.view.get(instance.name);
      this.view.set(instance.name, instance);
      if (previous && JSON.stringify(previous) !== JSON.stringify(instance))
        await this.upstreams.release(instance.name);
    }
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
