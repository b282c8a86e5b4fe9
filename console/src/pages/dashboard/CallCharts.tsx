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

interface Point {
  time: string;
  calls: number;
  errors: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
}

interface Series {
  key: Exclude<keyof Point, "time">;
  name: string;
  color: string;
}

const axis = { fontSize: 11, stroke: "currentColor" };

/** Few buckets with a value (latency exists only where there were calls): a bare line would not show. */
const sparse = (data: Point[], key: Series["key"]) => data.filter((point) => point[key] != null).length <= 12;

/**
 * One chart of the calls over time in a card: filled areas or lines, one a series; a legend where there
 * is more than one. Gaps (a bucket without calls has no latency) are bridged.
 */
function TrendCard({
  title,
  testId,
  className,
  data,
  series,
  area = false,
  unit,
  axisWidth,
}: {
  title: string;
  testId: string;
  className: string;
  data: Point[];
  series: Series[];
  area?: boolean;
  /** The y axis's unit; none for counts, which have no decimals. */
  unit?: string;
  axisWidth: number;
}) {
  const Chart = area ? AreaChart : LineChart;
  return (
    <Card title={title} className={className}>
      <div className={area ? "h-56" : "h-48"} data-testid={testId}>
        <ResponsiveContainer>
          <Chart data={data}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            <XAxis dataKey="time" tick={axis} minTickGap={24} />
            <YAxis tick={axis} unit={unit} allowDecimals={unit !== undefined} width={axisWidth} />
            <Tooltip />
            {series.length > 1 && <Legend />}
            {series.map(({ key, name, color }) =>
              area ? (
                <Area
                  key={key}
                  type="monotone"
                  dataKey={key}
                  name={name}
                  stroke={color}
                  fill={color}
                  fillOpacity={0.25}
                  isAnimationActive={false}
                />
              ) : (
                <Line
                  key={key}
                  type="monotone"
                  dataKey={key}
                  name={name}
                  stroke={color}
                  dot={sparse(data, key) ? { r: 2.5, fill: color } : false}
                  connectNulls
                  isAnimationActive={false}
                />
              ),
            )}
          </Chart>
        </ResponsiveContainer>
      </div>
    </Card>
  );
}

/** Calls per bucket, error rate and latency percentiles over the chosen range. */
export function CallCharts({ stats }: { stats: CallStats }) {
  const { t, language } = useI18n();
  const long = stats.bucketSeconds >= 3600;
  const label = (iso: string) =>
    new Date(iso).toLocaleString(
      language,
      long ? { weekday: "short", hour: "2-digit" } : { timeStyle: "short" },
    );
  const data: Point[] = stats.buckets.map((b) => ({
    time: label(b.start),
    calls: b.calls,
    errors: b.errors,
    errorRate: b.calls ? Math.round((b.errors / b.calls) * 1000) / 10 : 0,
    p50: b.p50Ms === null ? null : Math.round(b.p50Ms),
    p95: b.p95Ms === null ? null : Math.round(b.p95Ms),
  }));
  return (
    <div className="grid gap-4 xl:grid-cols-3">
      <TrendCard
        title={t("dashboard.callsPer", { minutes: stats.bucketSeconds / 60 })}
        testId="chart-calls"
        className="xl:col-span-3"
        data={data}
        area
        axisWidth={40}
        series={[
          { key: "calls", name: t("dashboard.calls"), color: "#6366f1" },
          { key: "errors", name: t("dashboard.errors"), color: "#dc2626" },
        ]}
      />
      <TrendCard
        title={t("dashboard.errorRate")}
        testId="chart-errors"
        className="xl:col-span-1"
        data={data}
        unit="%"
        axisWidth={44}
        series={[{ key: "errorRate", name: t("dashboard.errorRate"), color: "#dc2626" }]}
      />
      <TrendCard
        title={t("dashboard.latency")}
        testId="chart-latency"
        className="xl:col-span-2"
        data={data}
        unit=" ms"
        axisWidth={60}
        series={[
          { key: "p50", name: "p50", color: "#0ea5e9" },
          { key: "p95", name: "p95", color: "#f59e0b" },
        ]}
      />
    </div>
  );
}
