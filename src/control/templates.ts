import { readFileSync } from "node:fs";
import type { z } from "zod";
import type { Ownership } from "../store/repositories.js";
import type { TemplateRepository, TemplateRow } from "../store/template-repository.js";
import { ConflictError, NotFoundError } from "./errors.js";
import type { Instance } from "./instance-model.js";
import type { InstanceService } from "./instances.js";
import {
  type instantiateSchema,
  renderTemplate,
  type TemplateInput,
  templateInputSchema,
  type Variable,
} from "./template-model.js";

export interface CatalogEntry extends TemplateInput {
  source: "catalog";
}

/** The catalog shipped with MCPBox (src/catalog/servers.json), checked like any template at start. */
function loadCatalog(): CatalogEntry[] {
  const file = new URL("../catalog/servers.json", import.meta.url);
  const data = JSON.parse(readFileSync(file, "utf8")) as { servers: unknown[] };
  return data.servers.map((entry) => ({ ...templateInputSchema.parse(entry), source: "catalog" as const }));
}

export function presentTemplate(row: TemplateRow) {
  return {
    id: row.id,
    name: row.name,
    title: row.title,
    description: row.description,
    category: row.category,
    variables: row.variables,
    instance: row.instance,
    source: row.source,
    ownerId: row.ownerId,
    departmentId: row.departmentId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Templates (stored, scoped like instances) and the built-in catalog; both make instances from variables. */
export class TemplateService {
  readonly catalog: CatalogEntry[] = loadCatalog();

  constructor(
    private readonly repo: TemplateRepository,
    private readonly instances: InstanceService,
  ) {}

  list(): Promise<TemplateRow[]> {
    return this.repo.list();
  }

  get(id: string): Promise<TemplateRow | undefined> {
    return this.repo.get(id);
  }

  catalogEntry(name: string): CatalogEntry {
    const entry = this.catalog.find((e) => e.name === name);
    if (!entry) throw new NotFoundError(`no catalog entry "${name}"`);
    return entry;
  }

  async create(input: unknown, owner: Ownership, source = "custom"): Promise<TemplateRow> {
    const template = templateInputSchema.parse(input);
    if (await this.repo.byName(template.name)) throw new ConflictError(`template "${template.name}" exists`);
    return this.repo.insert({ ...template, source, ...owner });
  }

  async update(id: string, patch: Record<string, unknown>): Promise<TemplateRow> {
    const current = await this.repo.get(id);
    if (!current) throw new NotFoundError(`no template ${id}`);
    const merged = templateInputSchema.parse({
      name: current.name,
      title: current.title,
      description: current.description,
      category: current.category,
      variables: current.variables,
      instance: current.instance,
      ...patch,
    });
    if (merged.name !== current.name && (await this.repo.byName(merged.name))) {
      throw new ConflictError(`template "${merged.name}" exists`);
    }
    return (await this.repo.update(id, merged))!;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repo.get(id))) throw new NotFoundError(`no template ${id}`);
    await this.repo.delete(id);
  }

  /** Fills in the variables and creates the instance (validated like any other). */
  instantiate(
    template: { variables: unknown[]; instance: Record<string, unknown> },
    input: z.infer<typeof instantiateSchema>,
    owner: Ownership,
  ): Promise<Instance> {
    const definition = renderTemplate(
      { variables: template.variables as Variable[], instance: template.instance },
      input,
    );
    return this.instances.create(definition, "template", owner);
  }
}
