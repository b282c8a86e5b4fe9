import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Search } from "lucide-react";
import { useEffect, useState } from "react";
import { Input, Select } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import type { InstanceSource, ListPage } from "./model";

export const PAGE_SIZE = 20;

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The page number, back at 1 whenever `filters` (any serialisable value) change. */
export function usePageFor(filters: unknown): [number, (page: number) => void] {
  const key = JSON.stringify(filters);
  const [paging, setPaging] = useState({ key, page: 1 });
  return [paging.key === key ? paging.page : 1, (page) => setPaging({ key, page })];
}

/**
 * A searched, filtered, paged list of templates or catalog entries (`/templates` or `/catalog`), and
 * the categories found in the whole list for the filter.
 */
export function useSourceList<T extends InstanceSource>(path: "/templates" | "/catalog") {
  const [q, setQ] = useState("");
  const [category, setCategory] = useState("");
  const search = useDebounced(q.trim());
  const [page, setPage] = usePageFor([search, category]);
  const list = useQuery({
    queryKey: [path.slice(1), "list", { search, category, page }],
    queryFn: () =>
      api.get<ListPage<T>>(path, { q: search, category, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const all = useQuery({
    queryKey: [path.slice(1), "categories"],
    queryFn: () => api.get<ListPage<T>>(path, { limit: 500 }),
    select: (data) => [...new Set(data.items.map((item) => item.category))].sort(),
  });
  return { q, setQ, category, setCategory, page, setPage, list, categories: all.data ?? [] };
}

export function SearchBar({
  q,
  onQ,
  category,
  onCategory,
  categories,
  label,
}: {
  q: string;
  onQ: (q: string) => void;
  category: string;
  onCategory: (category: string) => void;
  categories: string[];
  label: string;
}) {
  const { t } = useI18n();
  return (
    <div className="mb-3 flex flex-wrap gap-2">
      <div className="relative min-w-48 flex-1">
        <Search className="absolute top-2 left-2.5 size-4 text-slate-400" aria-hidden />
        <Input
          type="search"
          aria-label={label}
          placeholder={label}
          className="pl-8"
          value={q}
          onChange={(e) => onQ(e.target.value)}
        />
      </div>
      <div className="w-full sm:w-48">
        <Select
          aria-label={t("templates.category")}
          value={category}
          onChange={(e) => onCategory(e.target.value)}
        >
          <option value="">{t("templates.allCategories")}</option>
          {categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </Select>
      </div>
    </div>
  );
}
