import { z } from "zod";

/**
 * A string field that PostgreSQL can store: `text` and `jsonb` refuse NUL, which would otherwise surface as
 * a 500 from the database instead of a 400 naming the field.
 */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");
