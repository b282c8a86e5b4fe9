import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "./db.js";
import { templates } from "./schema.js";

export type TemplateRow = typeof templates.$inferSelect;
export type NewTemplate = typeof templates.$inferInsert;

export class TemplateRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<TemplateRow[]> {
    return this.db.select().from(templates).orderBy(asc(templates.name));
  }

  async get(id: string): Promise<TemplateRow | undefined> {
    return (await this.db.select().from(templates).where(eq(templates.id, id)))[0];
  }

  async byName(name: string): Promise<TemplateRow | undefined> {
    return (await this.db.select().from(templates).where(eq(templates.name, name)))[0];
  }

  async insert(row: NewTemplate): Promise<TemplateRow> {
    return (await this.db.insert(templates).values(row).returning())[0]!;
  }

  async update(id: string, patch: Partial<NewTemplate>): Promise<TemplateRow | undefined> {
    return (
      await this.db
        .update(templates)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(templates.id, id))
        .returning()
    )[0];
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(templates).where(eq(templates.id, id));
  }
}
