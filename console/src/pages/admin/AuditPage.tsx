import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ChevronDown, ChevronRight, Download } from "lucide-react";
import { type FormEvent, Fragment, useState } from "react";
import { FilterSelect, ListResults } from "../../components/ListPage";
import { Badge, Button, EmptyState, Field, Input, PageHeader, Table, Td } from "../../components/ui";
import { type MessageKey, useI18n } from "../../i18n";
import { api, withQuery } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useListSearch, useStateStore } from "../../lib/list-search";
import { useSession } from "../../lib/session";
import { type AuditEntry, type ListPage, OUTCOMES } from "./model";
import { Forbidden } from "./parts";

type Filters = {
  actor: string;
  action: string;
  outcome: string;
  targetType: string;
  targetId: string;
  /** datetime-local values, in the browser's time zone. */
  from: string;
  to: string;
};
type AuditFilters = Partial<Filters> & { order?: "newest" | "oldest" };

const none: Filters = { actor: "", action: "", outcome: "", targetType: "", targetId: "", from: "", to: "" };
const outcomeTone = { success: "green", failure: "red", denied: "amber" } as const;
const TEXT_FILTERS = [
  ["actor", "audit.actor", "audit.actorHint"],
  ["action", "audit.action", "audit.actionHint"],
  ["targetType", "audit.targetType", "audit.targetTypeHint"],
  ["targetId", "audit.targetId", undefined],
] as const;

/** The filters as the API takes them (the export too, so no order): trimmed, times as ISO instants. */
function toQuery(filters: AuditFilters) {
  const iso = (local = "") => (local ? new Date(local).toISOString() : undefined);
  return {
    actor: filters.actor?.trim(),
    action: filters.action?.trim(),
    outcome: filters.outcome,
    targetType: filters.targetType?.trim(),
    targetId: filters.targetId?.trim(),
    from: iso(filters.from),
    to: iso(filters.to),
  };
}

/** The audit log, read-only: filters, newest or oldest first, details per row, CSV/JSON export. */
export function AuditPage() {
  const { t, language } = useI18n();
  const { can } = useSession();
  const readable = can("audit:read");
  const [draft, setDraft] = useState<Filters>(none);
  const list = useListSearch(useStateStore<AuditFilters>({ order: "newest" }));
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const query = toQuery(list.filters);
  const listed = { ...query, order: list.filters.order, ...list.paging };
  const entries = useQuery({
    queryKey: ["audit", listed],
    queryFn: () => api.get<ListPage<AuditEntry>>("/audit", listed),
    placeholderData: keepPreviousData,
    enabled: readable,
  });

  if (!readable) return <Forbidden />;
  const apply = (event: FormEvent) => {
    event.preventDefault();
    list.set(draft);
  };
  const clear = () => {
    setDraft(none);
    list.set(none);
  };
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const set = (key: keyof Filters, value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const exportLink = (format: "csv" | "json") => withQuery("/api/v1/audit/export", { ...query, format });
  const filtered = list.filtered;

  return (
    <>
      <PageHeader
        title={t("nav.audit")}
        actions={(["csv", "json"] as const).map((format) => (
          <a
            key={format}
            href={exportLink(format)}
            download
            className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:hover:bg-slate-700"
          >
            <Download className="size-4" aria-hidden /> {t(`audit.export.${format}`)}
          </a>
        ))}
      />
      <form
        onSubmit={apply}
        aria-label={t("audit.filters")}
        className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-3 sm:grid-cols-2 lg:grid-cols-4 dark:border-slate-800 dark:bg-slate-900"
      >
        {TEXT_FILTERS.map(([key, label, hint]) => (
          <Field key={key} label={t(label)} hint={hint && t(hint)}>
            {(id) => <Input id={id} value={draft[key]} onChange={(e) => set(key, e.target.value)} />}
          </Field>
        ))}
        <FilterSelect
          labelled
          label={t("audit.outcome")}
          any={t("common.all")}
          options={OUTCOMES.map((outcome) => [outcome, t(`audit.outcome.${outcome}`)])}
          value={draft.outcome}
          onChange={(value) => set("outcome", value ?? "")}
        />
        <Field label={t("audit.from")}>
          {(id) => (
            <Input
              id={id}
              type="datetime-local"
              value={draft.from}
              onChange={(e) => set("from", e.target.value)}
            />
          )}
        </Field>
        <Field label={t("audit.to")}>
          {(id) => (
            <Input
              id={id}
              type="datetime-local"
              value={draft.to}
              onChange={(e) => set("to", e.target.value)}
            />
          )}
        </Field>
        <FilterSelect
          labelled
          label={t("audit.order")}
          options={[
            ["newest", t("audit.newest")],
            ["oldest", t("audit.oldest")],
          ]}
          {...list.bind("order")}
        />
        <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-4">
          <Button type="submit" variant="primary" busy={entries.isFetching && !entries.isPending}>
            {t("audit.apply")}
          </Button>
          <Button onClick={clear} disabled={!filtered && draft === none}>
            {t("audit.clear")}
          </Button>
        </div>
      </form>
      <ListResults
        list={list}
        result={entries}
        empty={
          <EmptyState
            title={filtered ? t("audit.noMatch") : t("audit.empty")}
            hint={filtered ? t("audit.noMatchHint") : undefined}
            action={filtered && <Button onClick={clear}>{t("audit.clear")}</Button>}
          />
        }
      >
        {(items) => (
          <Table
            head={[
              "",
              t("audit.time"),
              t("audit.actor"),
              t("audit.action"),
              t("audit.target"),
              t("audit.outcome"),
              t("audit.ip"),
            ]}
          >
            {items.map((entry) => {
              const open = expanded.has(entry.id);
              return (
                <Fragment key={entry.id}>
                  <tr data-testid="audit-row">
                    <Td>
                      <Button
                        variant="ghost"
                        className="px-1"
                        aria-expanded={open}
                        aria-label={t("audit.details")}
                        onClick={() => toggle(entry.id)}
                      >
                        {open ? (
                          <ChevronDown className="size-4" aria-hidden />
                        ) : (
                          <ChevronRight className="size-4" aria-hidden />
                        )}
                      </Button>
                    </Td>
                    <Td className="whitespace-nowrap">{formatTime(entry.at, language)}</Td>
                    <Td>{entry.actor ?? "—"}</Td>
                    <Td className="font-mono text-xs">{entry.action}</Td>
                    <Td className="max-w-56 break-all text-xs">
                      {entry.targetType ? `${entry.targetType}: ${entry.targetId ?? ""}` : "—"}
                    </Td>
                    <Td>
                      <Badge tone={outcomeTone[entry.outcome] ?? "slate"}>
                        {t(`audit.outcome.${entry.outcome}` as MessageKey)}
                      </Badge>
                    </Td>
                    <Td className="whitespace-nowrap text-xs">{entry.ip ?? "—"}</Td>
                  </tr>
                  {open && (
                    <tr>
                      <td colSpan={7} className="bg-slate-50 px-3 py-2 dark:bg-slate-950">
                        <pre className="max-h-72 overflow-auto whitespace-pre-wrap break-all font-mono text-xs">
                          {JSON.stringify(
                            { id: entry.id, actorId: entry.actorId, details: entry.details },
                            null,
                            2,
                          )}
                        </pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </Table>
        )}
      </ListResults>
    </>
  );
}
