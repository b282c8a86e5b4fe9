import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { Plus } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { ButtonLink } from "../../components/ButtonLink";
import {
  Badge,
  Button,
  EmptyState,
  ErrorBanner,
  Field,
  Input,
  PageHeader,
  Pager,
  Select,
  Spinner,
  Table,
  Td,
} from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import type { InstanceListSearch } from "../../routes/instances";
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
const PAGE_SIZE = 25;
/** Status and sessions change on their own: the list follows them. */
const LIVE_MS = 5000;

/** All instances in the caller's scope: filters in the URL, live status, pages. */
export function InstanceList() {
  const { t } = useI18n();
  const { can } = useSession();
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/instances" });
  const page = search.page ?? 1;
  const setSearch = (patch: Partial<InstanceListSearch>) =>
    navigate({ search: (prev) => ({ ...prev, page: undefined, ...patch }), replace: true });

  const { page: _page, ...filters } = search;
  const query = { ...filters, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({
    queryKey: instanceKeys.list(query),
    queryFn: () => api.get<Page<InstanceView>>("/instances", query),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });
  const filtered = Object.values(filters).some((v) => v !== undefined);

  const newButton = can("instance:write") && (
    <ButtonLink to="/instances/new" variant="primary">
      <Plus className="size-4" aria-hidden />
      {t("instances.new")}
    </ButtonLink>
  );

  return (
    <>
      <PageHeader title={t("nav.instances")} actions={newButton} />
      <Filters search={search} onChange={setSearch} />
      <ErrorBanner error={list.error} />
      {list.isPending ? (
        <Spinner />
      ) : list.data && list.data.total === 0 ? (
        filtered ? (
          <EmptyState
            title={t("instances.noMatch")}
            action={
              <Button onClick={() => navigate({ search: {}, replace: true })}>{t("instances.clear")}</Button>
            }
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
      ) : (
        list.data && (
          <>
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
              {list.data.items.map((instance) => (
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
            <Pager
              page={page}
              pageSize={PAGE_SIZE}
              total={list.data.total}
              onPage={(next) => navigate({ search: (prev) => ({ ...prev, page: next }) })}
            />
          </>
        )
      )}
    </>
  );
}

function Filters({
  search,
  onChange,
}: {
  search: InstanceListSearch;
  onChange: (patch: Partial<InstanceListSearch>) => void;
}) {
  const { t } = useI18n();
  const { can } = useSession();
  const [q, setQ] = useState(search.q ?? "");
  const change = useRef(onChange);
  change.current = onChange;
  useEffect(() => setQ(search.q ?? ""), [search.q]);
  // Typing filters after a short pause rather than at every key.
  useEffect(() => {
    if (q.trim() === (search.q ?? "")) return;
    const timer = setTimeout(() => change.current({ q: q.trim() || undefined }), 300);
    return () => clearTimeout(timer);
  }, [q, search.q]);
  const environments = useQuery({
    queryKey: ["environments"],
    queryFn: () => api.get<{ items: { name: string }[] }>("/environments"),
    enabled: can("environment:read"),
    staleTime: 60_000,
  });
  const choose = (value: string) => value || undefined;

  return (
    <div className="mb-4 grid grid-cols-2 gap-3 lg:grid-cols-4 xl:grid-cols-7">
      <div className="col-span-2">
        <Field label={t("action.search")}>
          {(id) => (
            <Input
              id={id}
              type="search"
              value={q}
              placeholder={t("instances.searchHint")}
              onChange={(e) => setQ(e.target.value)}
            />
          )}
        </Field>
      </div>
      <Field label={t("common.status")}>
        {(id) => (
          <Select
            id={id}
            value={search.status ?? ""}
            onChange={(e) => onChange({ status: choose(e.target.value) })}
          >
            <option value="">{t("common.all")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(t, s)}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field label={t("instances.accessMode")}>
        {(id) => (
          <Select
            id={id}
            value={search.accessMode ?? ""}
            onChange={(e) =>
              onChange({ accessMode: choose(e.target.value) as InstanceListSearch["accessMode"] })
            }
          >
            <option value="">{t("common.all")}</option>
            {ACCESS_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`instances.mode.${m}`)}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field label={t("instances.transport")}>
        {(id) => (
          <Select
            id={id}
            value={search.transport ?? ""}
            onChange={(e) =>
              onChange({ transport: choose(e.target.value) as InstanceListSearch["transport"] })
            }
          >
            <option value="">{t("common.all")}</option>
            {TRANSPORTS.map((tr) => (
              <option key={tr} value={tr}>
                {tr}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field label={t("instances.environment")}>
        {(id) => (
          <Select
            id={id}
            value={search.environment ?? ""}
            onChange={(e) => onChange({ environment: choose(e.target.value) })}
          >
            <option value="">{t("common.all")}</option>
            {[
              ...new Set([
                "process",
                ...(environments.data?.items.map((e) => e.name) ?? []),
                search.environment,
              ]),
            ]
              .filter((name): name is string => Boolean(name))
              .map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </Select>
        )}
      </Field>
      <Field label={t("instances.state")}>
        {(id) => (
          <Select
            id={id}
            value={search.enabled ?? ""}
            onChange={(e) => onChange({ enabled: choose(e.target.value) as InstanceListSearch["enabled"] })}
          >
            <option value="">{t("common.all")}</option>
            <option value="true">{t("instances.started")}</option>
            <option value="false">{t("instances.status.stopped")}</option>
          </Select>
        )}
      </Field>
    </div>
  );
}
