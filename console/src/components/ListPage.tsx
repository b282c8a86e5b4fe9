import clsx from "clsx";
import { Search } from "lucide-react";
import { createContext, type ReactNode, useContext } from "react";
import type { ListFilters, ListSearch } from "../lib/list-search";
import { ErrorBanner, Field, Input, Pager, Select, Spinner } from "./ui";

/** Whether a toolbar's controls show their labels above them (a grid) or only name them (a compact row). */
const Labelled = createContext(false);

/**
 * A list's search box, then its filters (`children`, FilterSelects mostly): a compact row whose controls
 * are named for assistive technology, or with `labelled` a grid of labelled fields (`className` sets its
 * columns).
 */
export function ListToolbar<F extends ListFilters>({
  list,
  label,
  placeholder = label,
  labelled = false,
  className,
  children,
}: {
  list: ListSearch<F>;
  label: string;
  placeholder?: string;
  labelled?: boolean;
  className?: string;
  children?: ReactNode;
}) {
  const input = (id?: string) => (
    <Input
      id={id}
      type="search"
      aria-label={id ? undefined : label}
      placeholder={placeholder}
      className={id ? undefined : "pl-8"}
      value={list.text}
      onChange={(e) => list.setText(e.target.value)}
    />
  );
  return (
    <Labelled.Provider value={labelled}>
      {labelled ? (
        <div className={clsx("mb-4 grid grid-cols-2 gap-3", className)}>
          <div className="col-span-2">
            <Field label={label}>{input}</Field>
          </div>
          {children}
        </div>
      ) : (
        <div className={clsx("mb-3 flex flex-wrap gap-2", className)}>
          <div className="relative min-w-48 flex-1">
            <Search className="absolute top-2 left-2.5 size-4 text-slate-400" aria-hidden />
            {input()}
          </div>
          {children}
        </div>
      )}
    </Labelled.Provider>
  );
}

/** A choice's value, or its value and the text shown for it. */
export type Option = string | readonly [value: string, text: string];

/**
 * A filter's select: `any` names the empty choice (none for one that always has a value, an ordering).
 * Labelled above it inside a labelled toolbar or with `labelled`, else named by `label` alone.
 */
export function FilterSelect({
  label,
  value,
  onChange,
  options,
  any,
  labelled,
}: {
  label: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  options: readonly Option[];
  any?: string;
  labelled?: boolean;
}) {
  const inToolbar = useContext(Labelled);
  const select = (id?: string) => (
    <Select
      id={id}
      aria-label={id ? undefined : label}
      value={value ?? ""}
      onChange={(e) => onChange(e.target.value || undefined)}
    >
      {any !== undefined && <option value="">{any}</option>}
      {options.map((option) => {
        const [key, text] = typeof option === "string" ? [option, option] : option;
        return (
          <option key={key} value={key}>
            {text}
          </option>
        );
      })}
    </Select>
  );
  return (labelled ?? inToolbar) ? (
    <Field label={label}>{select}</Field>
  ) : (
    <div className="w-full sm:w-48">{select()}</div>
  );
}

/**
 * A list query's outcome: its error, a spinner while it first loads, `empty` when nothing is there, else
 * the items (`children`) and a pager.
 */
export function ListResults<T>({
  list,
  result,
  empty,
  children,
}: {
  list: { page: number; pageSize: number; setPage(page: number): void };
  result: { isPending: boolean; error: unknown; data?: { items: T[]; total: number } };
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  const { data } = result;
  return (
    <>
      <ErrorBanner error={result.error} />
      {result.isPending ? (
        <Spinner />
      ) : (
        data &&
        (data.total === 0 ? (
          empty
        ) : (
          <>
            {children(data.items)}
            <Pager page={list.page} pageSize={list.pageSize} total={data.total} onPage={list.setPage} />
          </>
        ))
      )}
    </>
  );
}
