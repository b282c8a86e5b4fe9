import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { Card } from "../../components/ui";
import { useI18n } from "../../i18n";
import type { CallStats } from "./stats";

/** Calls per bucket, error rate and latency percentiles over the chosen range. */
export function CallCharts({ stats }: { stats: CallStats }) {
  const { t, language } = useI18n();
  const long = stats.bucketSeconds >= 3600;
  const label = (iso: string) =>
    new Date(iso).toLocaleString(
      language,
      long ? { weekday: "short", hour: "2-digit" } : { timeStyle: "short" },
    );
  const data = stats.buckets.map((b) => ({
    time: label(b.start),
    calls: b.calls,
    errors: b.errors,
    errorRate: b.calls ? Math.round((b.errors / b.calls) * 1000) / 10 : 0,
    p50: b.p50Ms === null ? null : Math.round(b.p50Ms),
    p95: b.p95Ms === null ? null : Math.round(b.p95Ms),
  }));
  const axis = { fontSize: 11, stroke: "currentColor" };
  const minutes = stats.bucketSeconds / 60;
  return (
    <div className="grid gap-4 xl:grid-cols-3">
      <Card title={t("dashboard.callsPer", { minutes })} className="xl:col-span-3">
        <div className="h-56" data-testid="chart-calls">
          <ResponsiveContainer>
            <AreaChart data={data}>
              <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
              <XAxis dataKey="time" tick={axis} minTickGap={24} />
              <YAxis tick={axis} allowDecimals={false} width={40} />
              <Tooltip />
              <Legend />
              <Area
                type="monotone"
                dataKey="calls"
                name={t("dashboard.calls")}
                stroke="#6366f1"
                fill="#6366f1"
                fillOpacity={0.25}
              />
              <Area
                type="monotone"
                dataKey="errors"
                name={t("dashboard.errors")}
                stroke="#dc2626"
                fill="#dc2626"
                fillOpacity={0.25}
              />
            </AreaChart>
          </ResponsiveContainer>
        </div>
      </Card>
      <Card title={t("dashboard.errorRate")} className="xl:col-span-1">
        <div className="h-48" data-testid="chart-errors">
          <ResponsiveContainer>
            <LineChart data={data}>
              <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
              <XAxis dataKey="time" tick={axis} minTickGap={24} />
              <YAxis tick={axis} unit="%" width={44} />
              <Tooltip />
              <Line
                type="monotone"
                dataKey="errorRate"
                name={t("dashboard.errorRate")}
                stroke="#dc2626"
                dot={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </Card>
      <Card title={t("dashboard.latency")} className="xl:col-span-2">
        <div className="h-48" data-testid="chart-latency">
          <ResponsiveContainer>
            <LineChart data={data}>
              <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
              <XAxis dataKey="time" tick={axis} minTickGap={24} />
              <YAxis tick={axis} unit=" ms" width={60} />
              <Tooltip />
              <Legend />
              <Line type="monotone" dataKey="p50" name="p50" stroke="#0ea5e9" dot={false} connectNulls />
              <Line type="monotone" dataKey="p95" name="p95" stroke="#f59e0b" dot={false} connectNulls />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </Card>
    </div>
  );
}
