/**
 * What every list page shares: its filters (a search text among them), its ordering and its page, kept
 * in component state or in the URL; the typed search that reaches the API after a pause; and the
 * validation of URL search parameters (the lists', and the other pages').
 */
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";

/** A list's filters as text; undefined or "" is "any". `q` is the search box; `sort` and `order` only order. */
export type ListFilters = { q?: string } & Record<string, string | undefined>;

const ORDERINGS = new Set(["sort", "order"]);
/** Typing searches after this pause rather than at every key. */
const SEARCH_DELAY_MS = 300;

/** Where a list keeps its filters and page. Changing a filter goes back to the first page. */
export interface ListStore<F extends ListFilters> {
  filters: F;
  page: number;
  set(patch: Partial<F>): void;
  setPage(page: number): void;
  /** Every filter back to its initial value, on the first page. */
  reset(): void;
}

/** Filters and page in component state: gone when the page is left. */
export function useStateStore<F extends ListFilters>(initial: F): ListStore<F> {
  const [state, setState] = useState({ filters: initial, page: 1 });
  return {
    ...state,
    set: (patch) => setState((s) => ({ filters: { ...s.filters, ...patch }, page: 1 })),
    setPage: (page) => setState((s) => ({ ...s, page })),
    reset: () => setState({ filters: initial, page: 1 }),
  };
}

/**
 * Filters and page in the URL (the route validates them, see `listSearch`), so that links and reloads keep
 * them; a filter replaces the history entry, a page adds one.
 */
export function useUrlStore<F extends ListFilters>(search: F & { page?: number }): ListStore<F> {
  const navigate = useNavigate();
  const go = (next: (prev: Record<string, unknown>) => Record<string, unknown>, replace: boolean) =>
    void navigate({ to: ".", search: next as never, replace });
  const { page, ...filters } = search;
  return {
    filters: filters as unknown as F,
    page: page ?? 1,
    set: (patch) => go((prev) => ({ ...prev, ...patch, page: undefined }), true),
    setPage: (next) => go((prev) => ({ ...prev, page: next > 1 ? next : undefined }), false),
    reset: () => go(() => ({}), true),
  };
}

export type ListSearch<F extends ListFilters> = ReturnType<typeof useListSearch<F>>;

/**
 * A list's state for its page: the search box's text (sent to the store after a pause), the filters, the
 * page and, as `query`, what to ask the API for.
 */
export function useListSearch<F extends ListFilters>(store: ListStore<F>, pageSize = 25) {
  const committed = store.filters.q ?? "";
  const [text, setText] = useState(committed);
  // What this hook last sent: a different value in the store came from elsewhere (a link, back, clear).
  const sent = useRef(committed);
  useEffect(() => {
    if (committed === sent.current) return;
    sent.current = committed;
    setText(committed);
  }, [committed]);
  const set = useRef(store.set);
  set.current = store.set;
  useEffect(() => {
    const value = text.trim();
    if (value === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = value;
      set.current({ q: value || undefined } as Partial<F>);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const { filters, page } = store;
  const paging = { limit: pageSize, offset: (page - 1) * pageSize };
  return {
    filters,
    page,
    pageSize,
    /** The search box's text, ahead of `filters.q` while the user types. */
    text,
    setText,
    set: store.set,
    /** One filter's value and setter, for a FilterSelect; the select's options are the filter's values. */
    bind: (key: keyof F & string) => ({
      value: filters[key],
      onChange: (value: string | undefined) => store.set({ [key]: value } as Partial<F>),
    }),
    setPage: store.setPage,
    /** Every filter back to its initial value (the search box follows). */
    clear: store.reset,
    /** Whether a filter (not an ordering) narrows the list. */
    filtered: Object.entries(filters).some(([key, value]) => !ORDERINGS.has(key) && Boolean(value)),
    paging,
    query: { ...filters, ...paging },
  };
}

/** A search parameter as trimmed text: the router parses `?q=123` as a number. */
export function searchText(value: unknown, max = 100): string | undefined {
  const raw = typeof value === "number" ? String(value) : value;
  return typeof raw === "string" && raw.trim() ? raw.trim().slice(0, max) : undefined;
}

/** A search parameter that must be one of `allowed`. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  const raw = typeof value === "boolean" || typeof value === "number" ? String(value) : value;
  return allowed.includes(raw as T) ? (raw as T) : undefined;
}

/** A list's `page` parameter: a whole number above 1, or absent for the first page. */
export function pageParam(value: unknown): number | undefined {
  const page = Number(value);
  return Number.isInteger(page) && page > 1 ? page : undefined;
}
