import { z } from "zod";
import { text } from "../control/text.js";

/** Paging shared by list routes: `limit` (1–500, default 50) and `offset`. */
export const pageFields = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

export const searchField = text(100).optional();

/** Sorts by one field (`name` ascending, `-name` descending), then pages; returns the API's list shape. */
export function pageOf<T>(
  items: T[],
  query: { limit: number; offset: number; sort: string },
  keys: Record<string, (item: T) => string | number | null>,
) {
  const descending = query.sort.startsWith("-");
  const key = keys[query.sort.replace(/^-/, "")]!;
  const sorted = [...items].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const order = x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
    return descending ? -order : order;
  });
  return {
    items: sorted.slice(query.offset, query.offset + query.limit),
    total: items.length,
    limit: query.limit,
    offset: query.offset,
  };
}
