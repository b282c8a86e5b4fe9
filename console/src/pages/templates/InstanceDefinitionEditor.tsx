import clsx from "clsx";
import { useState } from "react";
import { Field, Input, Select, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";

type Definition = Record<string, unknown>;
type Upstream = {
  type: "stdio" | "sse" | "streamable-http";
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  [key: string]: unknown;
};

export const EMPTY_DEFINITION: Definition = {
  accessMode: "hosted",
  upstream: { type: "stdio", command: "", args: [], env: {} },
};

const upstreamOf = (definition: Definition) => (definition.upstream ?? { type: "stdio" }) as Upstream;

/** `KEY=value` (env) or `Name: value` (headers) lines as a record; blank lines are skipped. */
function parsePairs(text: string, separator: "=" | ":"): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(separator);
    if (!line.trim()) continue;
    if (at < 0) pairs[line.trim()] = "";
    else pairs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return pairs;
}

const pairsText = (pairs: Record<string, string> | undefined, separator: string) =>
  Object.entries(pairs ?? {})
    .map(([key, value]) => `${key}${separator}${value}`)
    .join("\n");

/**
 * A multi-line field that keeps what is typed (blank lines, a trailing newline) while the definition
 * gets the parsed value; it is re-created when the editor switches modes.
 */
function LinesField({
  label,
  hint,
  initial,
  onLines,
  placeholder,
}: {
  label: string;
  hint?: string;
  initial: string;
  onLines: (text: string) => void;
  placeholder?: string;
}) {
  const [text, setText] = useState(initial);
  return (
    <Field label={label} hint={hint}>
      {(id) => (
        <Textarea
          id={id}
          rows={3}
          value={text}
          placeholder={placeholder}
          onChange={(e) => {
            setText(e.target.value);
            onLines(e.target.value);
          }}
        />
      )}
    </Field>
  );
}

/** The common fields as a form; everything else (runtime, timeouts…) is kept and editable as JSON. */
function DefinitionForm({
  definition,
  onChange,
}: {
  definition: Definition;
  onChange: (d: Definition) => void;
}) {
  const { t } = useI18n();
  const upstream = upstreamOf(definition);
  const stdio = upstream.type === "stdio";
  const setUpstream = (patch: Partial<Upstream>) =>
    onChange({ ...definition, upstream: { ...upstream, ...patch } });
  const setTransport = (type: Upstream["type"]) => {
    if ((type === "stdio") === stdio) return setUpstream({ type });
    onChange({
      ...definition,
      accessMode:
        type === "stdio" ? "hosted" : definition.accessMode === "hosted" ? "proxy" : definition.accessMode,
      upstream: type === "stdio" ? { type, command: "", args: [], env: {} } : { type, url: "", headers: {} },
    });
  };
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field label={t("definition.accessMode")} hint={t("definition.accessModeHint")}>
        {(id) => (
          <Select
            id={id}
            value={String(definition.accessMode ?? "hosted")}
            onChange={(e) => onChange({ ...definition, accessMode: e.target.value })}
          >
            <option value="hosted">hosted</option>
            <option value="proxy">proxy</option>
            <option value="direct">direct</option>
          </Select>
        )}
      </Field>
      <Field label={t("definition.transport")}>
        {(id) => (
          <Select
            id={id}
            value={upstream.type}
            onChange={(e) => setTransport(e.target.value as Upstream["type"])}
          >
            <option value="stdio">stdio</option>
            <option value="streamable-http">streamable-http</option>
            <option value="sse">sse</option>
          </Select>
        )}
      </Field>
      {stdio ? (
        <>
          <div className="sm:col-span-2">
            <Field label={t("definition.command")}>
              {(id) => (
                <Input
                  id={id}
                  className="font-mono"
                  value={upstream.command ?? ""}
                  placeholder="npx"
                  onChange={(e) => setUpstream({ command: e.target.value })}
                />
              )}
            </Field>
          </div>
          <LinesField
            label={t("definition.args")}
            hint={t("definition.argsHint")}
            initial={(upstream.args ?? []).join("\n")}
            onLines={(text) => setUpstream({ args: text.split("\n").filter((line) => line.trim() !== "") })}
          />
          <LinesField
            label={t("definition.env")}
            hint={t("definition.envHint")}
            placeholder="API_KEY={{API_KEY}}"
            initial={pairsText(upstream.env, "=")}
            onLines={(text) => setUpstream({ env: parsePairs(text, "=") })}
          />
        </>
      ) : (
        <>
          <div className="sm:col-span-2">
            <Field label={t("definition.url")}>
              {(id) => (
                <Input
                  id={id}
                  className="font-mono"
                  value={upstream.url ?? ""}
                  placeholder="https://example.com/mcp"
                  onChange={(e) => setUpstream({ url: e.target.value })}
                />
              )}
            </Field>
          </div>
          <div className="sm:col-span-2">
            <LinesField
              label={t("definition.headers")}
              hint={t("definition.headersHint")}
              placeholder="Authorization: Bearer {{TOKEN}}"
              initial={pairsText(upstream.headers, ": ")}
              onLines={(text) => setUpstream({ headers: parsePairs(text, ":") })}
            />
          </div>
        </>
      )}
    </div>
  );
}

/**
 * The instance a template makes, as a form for the usual fields or as JSON for all of them. `onChange`
 * gets null while the JSON does not parse (the editor then refuses to save).
 */
export function InstanceDefinitionEditor({
  definition,
  onChange,
}: {
  definition: Definition;
  onChange: (definition: Definition | null) => void;
}) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"form" | "json">("form");
  const [json, setJson] = useState("");
  const [jsonError, setJsonError] = useState<string>();
  const switchTo = (next: "form" | "json") => {
    if (next === mode || (next === "form" && jsonError)) return;
    if (next === "json") setJson(JSON.stringify(definition, null, 2));
    setMode(next);
  };
  const tab = (which: "form" | "json", label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={mode === which}
      disabled={which === "form" && Boolean(jsonError)}
      onClick={() => switchTo(which)}
      className={clsx(
        "rounded-md px-3 py-1 text-sm disabled:opacity-50",
        mode === which
          ? "bg-slate-200 font-medium dark:bg-slate-700"
          : "hover:bg-slate-100 dark:hover:bg-slate-800",
      )}
    >
      {label}
    </button>
  );
  return (
    <div className="space-y-3">
      <div role="tablist" className="flex gap-1">
        {tab("form", t("definition.formMode"))}
        {tab("json", t("definition.jsonMode"))}
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">{t("definition.placeholderHint")}</p>
      {mode === "form" ? (
        <DefinitionForm definition={definition} onChange={onChange} />
      ) : (
        <Field label={t("definition.json")} error={jsonError}>
          {(id) => (
            <Textarea
              id={id}
              rows={14}
              spellCheck={false}
              value={json}
              onChange={(e) => {
                setJson(e.target.value);
                try {
                  const parsed = JSON.parse(e.target.value);
                  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error();
                  setJsonError(undefined);
                  onChange(parsed);
                } catch {
                  setJsonError(t("definition.invalidJson"));
                  onChange(null);
                }
              }}
            />
          )}
        </Field>
      )}
    </div>
  );
}
