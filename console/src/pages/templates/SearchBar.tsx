import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { FilterSelect, ListToolbar } from "../../components/ListPage";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useListSearch, useStateStore } from "../../lib/list-search";
import type { InstanceSource, ListPage } from "./model";

const PAGE_SIZE = 20;

/**
 * A searched, filtered, paged list of templates or catalog entries (`/templates` or `/catalog`), and
 * the categories found in the whole list for the filter.
 */
export function useSourceList<T extends InstanceSource>(path: "/templates" | "/catalog") {
  const list = useListSearch(useStateStore<{ q?: string; category?: string }>({}), PAGE_SIZE);
  const result = useQuery({
    queryKey: [path.slice(1), "list", list.query],
    queryFn: () => api.get<ListPage<T>>(path, list.query),
    placeholderData: keepPreviousData,
  });
  const all = useQuery({
    queryKey: [path.slice(1), "categories"],
    queryFn: () => api.get<ListPage<T>>(path, { limit: 500 }),
    select: (data) => [...new Set(data.items.map((item) => item.category))].sort(),
  });
  return { list, result, categories: all.data ?? [] };
}

/** The search box and category filter of a template or catalog list. */
export function SearchBar({ source, label }: { source: ReturnType<typeof useSourceList>; label: string }) {
  const { t } = useI18n();
  return (
    <ListToolbar list={source.list} label={label}>
      <FilterSelect
        label={t("templates.category")}
        any={t("templates.allCategories")}
        options={source.categories}
        {...source.list.bind("category")}
      />
    </ListToolbar>
  );
}
