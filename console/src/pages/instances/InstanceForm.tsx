import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { Button, Card, ErrorBanner, Field, Input, Select, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { ACCESS_MODES, type AccessMode, type InstanceView } from "./api";
import {
  emptyForm,
  type FieldName,
  type FormState,
  fieldErrors,
  formFromInstance,
  formToBody,
  localErrors,
  transportsFor,
} from "./form-model";
import { PairsEditor } from "./PairsEditor";

/**
 * Create or edit an instance. The API's validation details show beside their fields; secrets come in as
 * masks and go back as masks unless replaced.
 */
export function InstanceForm({
  instance,
  onSubmit,
  busy,
  error,
  submitLabel,
  onCancel,
}: {
  instance?: InstanceView;
  onSubmit: (body: Record<string, unknown>) => void;
  busy: boolean;
  error: unknown;
  submitLabel: string;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const { can } = useSession();
  const creating = !instance;
  const [form, setForm] = useState<FormState>(() => (instance ? formFromInstance(instance) : emptyForm()));
  const [checked, setChecked] = useState(false);
  const environments = useQuery({
    queryKey: ["environments"],
    queryFn: () => api.get<{ items: { name: string; kind?: string }[] }>("/environments"),
    enabled: can("environment:read"),
    staleTime: 60_000,
  });

  const set = <K extends FieldName>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setMode = (mode: AccessMode) =>
    setForm((f) => {
      const allowed = transportsFor(mode);
      return { ...f, accessMode: mode, transport: allowed.includes(f.transport) ? f.transport : allowed[0]! };
    });

  const local = localErrors(form, creating);
  const remote = fieldErrors(error);
  const errorOf = (field: FieldName): string | undefined => {
    if (checked && local[field])
      return t(local[field] === "required" ? "common.required" : "instances.invalid");
    return remote[field];
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (Object.keys(local).length) return;
    onSubmit(formToBody(form, instance));
  };

  const stdio = form.transport === "stdio";
  const hosted = form.accessMode === "hosted";
  const environmentNames = [
    ...new Set(["process", ...(environments.data?.items.map((e) => e.name) ?? []), form.environment]),
  ];

  const text = (
    field: FieldName,
    label: string,
    props: { hint?: string; type?: string; placeholder?: string } = {},
  ) => (
    <Field label={label} hint={props.hint} error={errorOf(field)}>
      {(id) => (
        <Input
          id={id}
          type={props.type ?? "text"}
          placeholder={props.placeholder}
          value={form[field] as string}
          disabled={field === "name" && !creating}
          onChange={(e) => set(field, e.target.value as never)}
          aria-invalid={Boolean(errorOf(field))}
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <ErrorBanner error={error} />
      <Section title={t("instances.general")}>
        {text("name", t("common.name"), { hint: t("instances.nameHint") })}
        {text("description", t("common.description"))}
        <Field
          label={t("instances.accessMode")}
          hint={t(`instances.modeHint.${form.accessMode}`)}
          error={errorOf("accessMode")}
        >
          {(id) => (
            <Select id={id} value={form.accessMode} onChange={(e) => setMode(e.target.value as AccessMode)}>
              {ACCESS_MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`instances.mode.${m}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <label className="flex items-start gap-2 text-sm">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={form.public}
            onChange={(e) => set("public", e.target.checked)}
          />
          <span>
            <span className="font-medium">{t("instances.public")}</span>
            <span className="block text-xs text-slate-500 dark:text-slate-400">
              {t("instances.publicHint")}
            </span>
          </span>
        </label>
      </Section>

      <Section title={t("instances.upstream")}>
        <Field label={t("instances.transport")} error={errorOf("transport")}>
          {(id) => (
            <Select
              id={id}
              value={form.transport}
              disabled={transportsFor(form.accessMode).length === 1}
              onChange={(e) => set("transport", e.target.value as FormState["transport"])}
            >
              {transportsFor(form.accessMode).map((tr) => (
                <option key={tr} value={tr}>
                  {tr}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {stdio ? (
          <>
            {text("command", t("instances.command"), { placeholder: "npx" })}
            <Field label={t("instances.args")} hint={t("instances.argsHint")} error={errorOf("args")}>
              {(id) => (
                <Textarea id={id} rows={3} value={form.args} onChange={(e) => set("args", e.target.value)} />
              )}
            </Field>
            <PairsEditor
              label={t("instances.env")}
              keyPlaceholder="API_KEY"
              rows={form.env}
              onChange={(rows) => set("env", rows)}
              error={errorOf("env")}
            />
            {text("cwd", t("instances.cwd"), { hint: t("instances.cwdHint") })}
          </>
        ) : (
          <>
            {text("url", t("instances.url"), { type: "url", placeholder: "https://example.com/mcp" })}
            <PairsEditor
              label={t("instances.headers")}
              keyPlaceholder="Authorization"
              rows={form.headers}
              onChange={(rows) => set("headers", rows)}
              error={errorOf("headers")}
            />
          </>
        )}
      </Section>

      {form.accessMode !== "direct" && (
        <Section title={t("instances.sessionsAndTimeouts")}>
          <Field
            label={t("instances.sessionPolicy")}
            hint={t(`instances.policyHint.${form.sessionPolicy}`)}
            error={errorOf("sessionPolicy")}
          >
            {(id) => (
              <Select
                id={id}
                value={form.sessionPolicy}
                onChange={(e) => set("sessionPolicy", e.target.value as FormState["sessionPolicy"])}
              >
                <option value="per-session">{t("instances.policy.per-session")}</option>
                <option value="shared">{t("instances.policy.shared")}</option>
              </Select>
            )}
          </Field>
          {hosted && text("maxProcesses", t("instances.maxProcesses"), { type: "number" })}
          <div className="grid gap-3 sm:grid-cols-3">
            {text("connectTimeoutSeconds", t("instances.connectTimeout"), { type: "number" })}
            {text("requestTimeoutSeconds", t("instances.requestTimeout"), { type: "number" })}
            {text("idleTimeoutSeconds", t("instances.idleTimeout"), { type: "number" })}
          </div>
        </Section>
      )}

      {hosted && can("environment:read") && (
        <Section title={t("instances.runtime")}>
          <Field
            label={t("instances.environment")}
            hint={t("instances.environmentHint")}
            error={errorOf("environment")}
          >
            {(id) => (
              <Select id={id} value={form.environment} onChange={(e) => set("environment", e.target.value)}>
                {environmentNames.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          {form.environment !== "process" &&
            text("image", t("instances.image"), {
              hint: t("instances.imageHint"),
              placeholder: "node:22-slim",
            })}
        </Section>
      )}

      <div className="flex flex-wrap justify-end gap-2">
        {onCancel && <Button onClick={onCancel}>{t("action.cancel")}</Button>}
        <Button type="submit" variant="primary" busy={busy}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card title={title}>
      <div className="space-y-3">{children}</div>
    </Card>
  );
}
