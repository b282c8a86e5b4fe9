import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { useQuery } from "@tanstack/react-query";
import { Play, Square } from "lucide-react";
import { useRef, useState } from "react";
import { Badge, Button, ErrorBanner, Field, Spinner, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";
import { formatMs } from "../../lib/format";
import { ContentView, JsonView } from "./ContentView";
import { ItemPicker } from "./ItemPicker";
import { fieldErrors, SchemaFields } from "./SchemaForm";
import { type FieldState, initialState, type Schema, takesNoFields, toValue } from "./schema-form";

/** Every page of a list call, as one array. */
export async function listAll<T>(
  page: (cursor?: string) => Promise<{ nextCursor?: string } & Record<string, unknown>>,
  key: string,
) {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    all.push(...((result[key] as T[]) ?? []));
    cursor = result.nextCursor;
  } while (cursor);
  return all;
}

export function ToolsPanel({ client, session }: { client: Client; session: number }) {
  const { t } = useI18n();
  const tools = useQuery({
    queryKey: ["inspector", session, "tools"],
    queryFn: () => listAll<Tool>((cursor) => client.listTools(cursor ? { cursor } : undefined), "tools"),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const [selected, setSelected] = useState<string | null>(null);
  const tool = tools.data?.find((x) => x.name === selected);

  return (
    <div className="grid gap-4 md:grid-cols-[16rem_1fr]">
      <ItemPicker
        label={t("instances.tools")}
        loading={tools.isPending}
        error={tools.error}
        onRefresh={() => void tools.refetch()}
        items={(tools.data ?? []).map((x) => ({ id: x.name, title: x.name, subtitle: x.title }))}
        selected={selected}
        onSelect={setSelected}
      />
      <div className="min-w-0">
        {tool ? (
          <ToolRunner key={`${session}-${tool.name}`} client={client} tool={tool} />
        ) : (
          <p className="text-sm text-slate-500">{t("inspector.pickTool")}</p>
        )}
      </div>
    </div>
  );
}

interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

function ToolRunner({ client, tool }: { client: Client; tool: Tool }) {
  const { t } = useI18n();
  const schema = tool.inputSchema as Schema;
  const [state, setState] = useState(() => initialState(schema) as Record<string, FieldState>);
  const [raw, setRaw] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress[]>([]);
  const [outcome, setOutcome] = useState<{
    result?: Record<string, unknown>;
    error?: unknown;
    ms: number;
  } | null>(null);
  const abort = useRef<AbortController | null>(null);

  const argumentsNow = (): Record<string, unknown> | undefined => {
    setErrors({});
    try {
      if (raw !== null) {
        const parsed = raw.trim() ? JSON.parse(raw) : {};
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
          throw new Error(t("inspector.notObject"));
        return parsed;
      }
      return (toValue(schema, state, "", true) as Record<string, unknown>) ?? {};
    } catch (error) {
      setErrors(fieldErrors(t, error));
      return undefined;
    }
  };

  const toggleRaw = () => {
    if (raw !== null) return setRaw(null);
    let current: unknown = {};
    try {
      current = toValue(schema, state, "", false) ?? {};
    } catch {
      // half-filled form: start the JSON from what is valid
    }
    setRaw(JSON.stringify(current, null, 2));
  };

  const run = async () => {
    const args = argumentsNow();
    if (!args) return;
    abort.current = new AbortController();
    setRunning(true);
    setProgress([]);
    setOutcome(null);
    const started = performance.now();
    try {
      const result = await client.callTool({ name: tool.name, arguments: args }, undefined, {
        signal: abort.current.signal,
        timeout: 10 * 60_000,
        resetTimeoutOnProgress: true,
        onprogress: (p) => setProgress((prev) => [...prev, p]),
      });
      setOutcome({ result: result as Record<string, unknown>, ms: performance.now() - started });
    } catch (error) {
      setOutcome({ error, ms: performance.now() - started });
    } finally {
      setRunning(false);
      abort.current = null;
    }
  };

  const latest = progress[progress.length - 1];
  const result = outcome?.result;
  return (
    <div className="space-y-4">
      <div>
        <h3 className="font-mono text-base font-semibold">{tool.name}</h3>
        {tool.description && <p className="text-sm text-slate-600 dark:text-slate-400">{tool.description}</p>}
      </div>
      {errors[""] && <ErrorBanner error={new Error(errors[""])} />}
      {raw !== null ? (
        <Field label={t("inspector.arguments")} hint={t("inspector.rawHint")}>
          {(id) => (
            <Textarea
              id={id}
              rows={8}
              spellCheck={false}
              value={raw}
              onChange={(e) => setRaw(e.target.value)}
            />
          )}
        </Field>
      ) : takesNoFields(schema) ? (
        <p className="text-sm text-slate-500">{t("inspector.noArguments")}</p>
      ) : (
        <SchemaFields schema={schema} state={state} onChange={setState} errors={errors} />
      )}
      <div className="flex flex-wrap gap-2">
        <Button variant="primary" busy={running} onClick={() => void run()}>
          <Play className="size-4" aria-hidden />
          {t("inspector.run")}
        </Button>
        {running && (
          <Button onClick={() => abort.current?.abort(t("inspector.cancelled"))}>
            <Square className="size-4" aria-hidden />
            {t("action.cancel")}
          </Button>
        )}
        <Button variant="ghost" onClick={toggleRaw} aria-pressed={raw !== null}>
          {raw !== null ? t("inspector.useForm") : t("inspector.useJson")}
        </Button>
      </div>
      {progress.length > 0 && (
        <div data-testid="tool-progress" className="space-y-1">
          <div className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-800">
            <div
              className="h-full bg-indigo-600 transition-all"
              style={{
                width: latest?.total ? `${Math.min(100, (latest.progress / latest.total) * 100)}%` : "100%",
              }}
            />
          </div>
          <ul className="text-xs text-slate-600 dark:text-slate-400">
            {progress.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: progress reports only accumulate
              <li key={i}>
                {t("inspector.progress", { progress: p.progress, total: p.total ?? "?" })}
                {p.message ? ` — ${p.message}` : ""}
              </li>
            ))}
          </ul>
        </div>
      )}
      {outcome && (
        <div className="space-y-2" data-testid="tool-result">
          <p className="flex items-center gap-2 text-sm">
            <Badge tone={outcome.error || result?.isError ? "red" : "green"}>
              {outcome.error
                ? t("inspector.failed")
                : result?.isError
                  ? t("inspector.toolError")
                  : t("inspector.ok")}
            </Badge>
            <span className="text-slate-500">{formatMs(outcome.ms)}</span>
          </p>
          {outcome.error ? <ErrorBanner error={outcome.error} /> : null}
          {Array.isArray(result?.content) && <ContentView blocks={result.content as never[]} />}
          {result?.structuredContent !== undefined && (
            <>
              <h4 className="text-sm font-medium">{t("inspector.structured")}</h4>
              <JsonView value={result.structuredContent} />
            </>
          )}
        </div>
      )}
      {running && progress.length === 0 && <Spinner label={t("inspector.running")} />}
    </div>
  );
}
