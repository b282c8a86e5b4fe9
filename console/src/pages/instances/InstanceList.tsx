import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getRouteApi, Link } from "@tanstack/react-router";
import { Plus } from "lucide-react";
import { ButtonLink } from "../../components/ButtonLink";
import { FilterSelect, ListResults, ListToolbar } from "../../components/ListPage";
import { Badge, Button, EmptyState, PageHeader, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { type ListSearch, useListSearch, useUrlStore } from "../../lib/list-search";
import { useSession } from "../../lib/session";
import type { InstanceFilters } from "../../routes/instances";
import {
  ACCESS_MODES,
  type InstanceView,
  instanceKeys,
  type Page,
  STATUSES,
  TRANSPORTS,
  transportOf,
} from "./api";
import { StatusBadge, statusLabel } from "./StatusBadge";

const route = getRouteApi("/app/instances");
/** Status and sessions change on their own: the list follows them. */
const LIVE_MS = 5000;

/** All instances in the caller's scope: filters in the URL, live status, pages. */
export function InstanceList() {
  const { t } = useI18n();
  const { can } = useSession();
  const list = useListSearch(useUrlStore<InstanceFilters>(route.useSearch()));
  const result = useQuery({
    queryKey: instanceKeys.list(list.query),
    queryFn: () => api.get<Page<InstanceView>>("/instances", list.query),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });

  const newButton = can("instance:write") && (
    <ButtonLink to="/instances/new" variant="primary">
      <Plus className="size-4" aria-hidden />
      {t("instances.new")}
    </ButtonLink>
  );

  return (
    <>
      <PageHeader title={t("nav.instances")} actions={newButton} />
      <Filters list={list} />
      <ListResults
        list={list}
        result={result}
        empty={
          list.filtered ? (
            <EmptyState
              title={t("instances.noMatch")}
              action={<Button onClick={list.clear}>{t("instances.clear")}</Button>}
            />
          ) : (
            <EmptyState
              title={t("instances.empty")}
              hint={t("instances.emptyHint")}
              action={
                <div className="flex flex-wrap justify-center gap-2">
                  {newButton}
                  <ButtonLink to="/templates">{t("nav.templates")}</ButtonLink>
                  <ButtonLink to="/catalog">{t("nav.catalog")}</ButtonLink>
                </div>
              }
            />
          )
        }
      >
        {(items) => (
          <Table
            head={[
              t("common.name"),
              t("common.status"),
              t("instances.accessMode"),
              t("instances.transport"),
              t("instances.sessions"),
              t("instances.processes"),
            ]}
          >
            {items.map((instance) => (
              <tr key={instance.name} data-testid="instance-row">
                <Td>
                  <Link
                    to="/instances/$name"
                    params={{ name: instance.name }}
                    className="font-medium text-indigo-600 hover:underline dark:text-indigo-400"
                  >
                    {instance.name}
                  </Link>
                  {instance.description && (
                    <p className="max-w-md truncate text-xs text-slate-500">{instance.description}</p>
                  )}
                </Td>
                <Td>
                  <StatusBadge instance={instance} />
                </Td>
                <Td>
                  <Badge>{t(`instances.mode.${instance.accessMode}`)}</Badge>
                  {instance.public && (
                    <span className="ml-1">
                      <Badge tone="amber">{t("instances.public")}</Badge>
                    </span>
                  )}
                </Td>
                <Td>{transportOf(instance)}</Td>
                <Td>{instance.sessions}</Td>
                <Td>{instance.processes}</Td>
              </tr>
            ))}
          </Table>
        )}
      </ListResults>
    </>
  );
}

function Filters({ list }: { list: ListSearch<InstanceFilters> }) {
  const { t } = useI18n();
  const { can } = useSession();
  const environments = useQuery({
    queryKey: ["environments"],
    queryFn: () => api.get<{ items: { name: string }[] }>("/environments"),
    enabled: can("environment:read"),
    staleTime: 60_000,
  });
  const { status, environment } = list.filters;
  // A group of statuses (the dashboard's links) is a choice of its own.
  const statusGroup = status && !(STATUSES as readonly string[]).includes(status) ? [status] : [];
  const environmentNames = [
    ...new Set(["process", ...(environments.data?.items.map((e) => e.name) ?? []), environment]),
  ].filter((name): name is string => Boolean(name));

  return (
    <ListToolbar
      list={list}
      label={t("action.search")}
      placeholder={t("instances.searchHint")}
      labelled
      className="lg:grid-cols-4 xl:grid-cols-7"
    >
      <FilterSelect
        label={t("common.status")}
        any={t("common.all")}
        options={[...STATUSES, ...statusGroup].map((s) => [
          s,
          s
            .split(",")
            .map((one) => statusLabel(t, one))
            .join(", "),
        ])}
        {...list.bind("status")}
      />
      <FilterSelect
        label={t("instances.accessMode")}
        any={t("common.all")}
        options={ACCESS_MODES.map((m) => [m, t(`instances.mode.${m}`)])}
        {...list.bind("accessMode")}
      />
      <FilterSelect
        label={t("instances.transport")}
        any={t("common.all")}
        options={TRANSPORTS}
        {...list.bind("transport")}
      />
      <FilterSelect
        label={t("instances.environment")}
        any={t("common.all")}
        options={environmentNames}
        {...list.bind("environment")}
      />
      <FilterSelect
        label={t("instances.state")}
        any={t("common.all")}
        options={[
          ["true", t("instances.started")],
          ["false", t("instances.status.stopped")],
        ]}
        {...list.bind("enabled")}
      />
    </ListToolbar>
  );
}
