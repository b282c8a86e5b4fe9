import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import clsx from "clsx";
import { Card, EmptyState, ErrorBanner, PageHeader, Select, Spinner, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatMs } from "../../lib/format";
import { RANGES } from "../../routes/dashboard";
import { CallCharts } from "./CallCharts";
import { type CallStats, type Overview, STATUS_GROUPS } from "./stats";

const REFRESH_MS = 15_000;

function CountCard({
  label,
  value,
  to,
  tone,
}: {
  label: string;
  value: number | string;
  to: string;
  tone?: string;
}) {
  return (
    <Link
      to={to}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm transition hover:border-indigo-400 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="text-xs uppercase text-slate-500">{label}</div>
      <div className={clsx("mt-1 text-2xl font-semibold", tone)}>{value}</div>
    </Link>
  );
}

/** Counts that click through to filtered lists, and the call charts for a range and instance. */
export function DashboardPage() {
  const { t } = useI18n();
  const search = useSearch({ from: "/app/" });
  const navigate = useNavigate({ from: "/" });
  const range = search.range ?? "1h";
  const overview = useQuery({
    queryKey: ["stats", "overview"],
    queryFn: () => api.get<Overview>("/stats/overview"),
    refetchInterval: REFRESH_MS,
  });
  const calls = useQuery({
    queryKey: ["stats", "calls", range, search.instance],
    queryFn: () => api.get<CallStats>("/stats/calls", { range, instance: search.instance }),
    refetchInterval: REFRESH_MS,
  });
  const names = useQuery({
    queryKey: ["instances", "names"],
    queryFn: () => api.get<{ items: { name: string }[] }>("/instances", { limit: 500 }),
  });

  const sum = (statuses: readonly string[]) =>
    statuses.reduce((total, s) => total + (overview.data?.instances.byStatus[s] ?? 0), 0);
  const statusLink = (statuses: readonly string[]) => `/instances?status=${statuses.join(",")}`;
  const o = overview.data;

  return (
    <>
      <PageHeader
        title={t("nav.dashboard")}
        actions={
          <>
            <Select
              aria-label={t("dashboard.instance")}
              value={search.instance ?? ""}
              onChange={(e) => navigate({ search: (s) => ({ ...s, instance: e.target.value || undefined }) })}
            >
              <option value="">{t("dashboard.allInstances")}</option>
              {names.data?.items.map((i) => (
                <option key={i.name} value={i.name}>
                  {i.name}
                </option>
              ))}
            </Select>
            <fieldset
              aria-label={t("dashboard.range")}
              className="inline-flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-600"
            >
              {RANGES.map((r) => (
                <button
                  key={r}
                  type="button"
                  aria-pressed={r === range}
                  onClick={() => navigate({ search: (s) => ({ ...s, range: r }) })}
                  className={clsx(
                    "px-3 py-1.5 text-sm",
                    r === range ? "bg-indigo-600 text-white" : "hover:bg-slate-100 dark:hover:bg-slate-800",
                  )}
                >
                  {t(`dashboard.range.${r}`)}
                </button>
              ))}
            </fieldset>
          </>
        }
      />
      <ErrorBanner error={overview.error ?? calls.error} />
      {overview.isPending ? (
        <Spinner />
      ) : o && o.instances.total === 0 ? (
        <EmptyState
          title={t("dashboard.empty")}
          hint={t("dashboard.emptyHint")}
          action={
            <Link to="/instances/new" className="text-indigo-600 underline">
              {t("dashboard.createFirst")}
            </Link>
          }
        />
      ) : (
        o && (
          <div className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-8" data-testid="counts">
            <CountCard label={t("dashboard.total")} value={o.instances.total} to="/instances" />
            <CountCard
              label={t("dashboard.running")}
              value={sum(STATUS_GROUPS.running)}
              to={statusLink(STATUS_GROUPS.running)}
              tone="text-emerald-600"
            />
            <CountCard
              label={t("dashboard.stopped")}
              value={sum(STATUS_GROUPS.stopped)}
              to={statusLink(STATUS_GROUPS.stopped)}
            />
            <CountCard
              label={t("dashboard.failed")}
              value={sum(STATUS_GROUPS.failed)}
              to={statusLink(STATUS_GROUPS.failed)}
              tone={sum(STATUS_GROUPS.failed) ? "text-red-600" : undefined}
            />
            {(["hosted", "proxy", "direct"] as const).map((mode) => (
              <CountCard
                key={mode}
                label={t(`dashboard.mode.${mode}`)}
                value={o.instances.byAccessMode[mode]}
                to={`/instances?accessMode=${mode}`}
              />
            ))}
            <CountCard label={t("dashboard.sessions")} value={o.sessions} to="/instances?sort=-sessions" />
          </div>
        )
      )}
      {calls.data && (
        <>
          <p className="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="call-totals">
            {t("dashboard.totals", { calls: calls.data.totals.calls, errors: calls.data.totals.errors })}
          </p>
          <CallCharts stats={calls.data} />
          <div className="mt-4 grid gap-4 lg:grid-cols-2">
            <Card title={t("dashboard.byInstance")}>
              {calls.data.byInstance.length === 0 ? (
                <p className="text-sm text-slate-500">{t("dashboard.noCalls")}</p>
              ) : (
                <Table head={[t("dashboard.instance"), t("dashboard.calls"), t("dashboard.errors"), "p95"]}>
                  {calls.data.byInstance.map((row) => (
                    <tr key={row.instance}>
                      <Td>
                        <Link
                          to="/instances/$name"
                          params={{ name: row.instance }}
                          className="text-indigo-600 hover:underline"
                        >
                          {row.instance}
                        </Link>
                      </Td>
                      <Td>{row.calls}</Td>
                      <Td>{row.errors}</Td>
                      <Td className="whitespace-nowrap">{formatMs(row.p95Ms)}</Td>
                    </tr>
                  ))}
                </Table>
              )}
            </Card>
            <Card title={t("dashboard.topTools")}>
              {calls.data.topTools.length === 0 ? (
                <p className="text-sm text-slate-500">{t("dashboard.noCalls")}</p>
              ) : (
                <Table
                  head={[
                    t("dashboard.tool"),
                    t("dashboard.instance"),
                    t("dashboard.calls"),
                    t("dashboard.errors"),
                    "p95",
                  ]}
                >
                  {calls.data.topTools.map((row) => (
                    <tr key={`${row.instance}/${row.method}/${row.target}`}>
                      <Td className="break-all font-mono text-xs">{row.target ?? row.method}</Td>
                      <Td>{row.instance}</Td>
                      <Td>{row.calls}</Td>
                      <Td>{row.errors}</Td>
                      <Td className="whitespace-nowrap">{formatMs(row.p95Ms)}</Td>
                    </tr>
                  ))}
                </Table>
              )}
            </Card>
          </div>
        </>
      )}
    </>
  );
}
