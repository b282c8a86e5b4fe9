import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useEffect, useState } from "react";
import { Button, Card, ErrorBanner, Field, Input, Notice, PageHeader, Spinner } from "../../components/ui";
import { type MessageKey, useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { fieldErrors, type Settings } from "./model";
import { Forbidden } from "./parts";

type Key = keyof Settings;

/** The bounds of src/control/settings.ts, checked here first so that mistakes show before saving. */
const FIELDS: Record<Key, { min: number; max: number; integer: boolean; exclusiveMin?: boolean }> = {
  sessionIdleMinutes: { min: 0, max: 7 * 24 * 60, integer: false, exclusiveMin: true },
  sessionAbsoluteHours: { min: 0, max: 30 * 24, integer: false, exclusiveMin: true },
  passwordMinLength: { min: 8, max: 128, integer: true },
  lockoutThreshold: { min: 1, max: 100, integer: true },
  lockoutMinutes: { min: 0, max: 24 * 60, integer: false, exclusiveMin: true },
  auditRetentionDays: { min: 0, max: 36_500, integer: true },
  callLogRetentionDays: { min: 0, max: 36_500, integer: true },
};

const SECTIONS: { title: MessageKey; keys: Key[] }[] = [
  { title: "settings.sessions", keys: ["sessionIdleMinutes", "sessionAbsoluteHours"] },
  { title: "settings.passwords", keys: ["passwordMinLength", "lockoutThreshold", "lockoutMinutes"] },
  { title: "settings.retention", keys: ["auditRetentionDays", "callLogRetentionDays"] },
];

type Draft = Record<Key, string>;
const toDraft = (settings: Settings) =>
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])) as Draft;

/** Run-time settings: the fields of the settings schema, validated, saved with PATCH (changes only). */
export function SettingsPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const readable = can("settings:read");
  const writable = can("settings:write");
  const settings = useQuery({
    queryKey: ["settings"],
    queryFn: () => api.get<Settings>("/settings"),
    enabled: readable,
  });
  const [draft, setDraft] = useState<Draft>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.data && !draft) setDraft(toDraft(settings.data));
  }, [settings.data, draft]);

  const problem = (key: Key, text: string | undefined): string | undefined => {
    const rule = FIELDS[key];
    const value = Number(text);
    if (text === undefined || text.trim() === "" || !Number.isFinite(value)) return t("settings.notNumber");
    if (rule.integer && !Number.isInteger(value)) return t("settings.notInteger");
    if (rule.exclusiveMin ? value <= rule.min : value < rule.min)
      return rule.exclusiveMin ? t("settings.positive") : t("settings.atLeast", { min: rule.min });
    if (value > rule.max) return t("settings.atMost", { max: rule.max });
    return undefined;
  };
  const changes = (): Partial<Settings> =>
    Object.fromEntries(
      (Object.keys(FIELDS) as Key[])
        .filter((key) => settings.data && Number(draft?.[key]) !== settings.data[key])
        .map((key) => [key, Number(draft?.[key])]),
    );

  const save = useMutation({
    mutationFn: (patch: Partial<Settings>) => api.patch<Settings>("/settings", patch),
    onSuccess: (next) => {
      queryClient.setQueryData(["settings"], next);
      setDraft(toDraft(next));
      setSaved(true);
    },
  });

  if (!readable) return <Forbidden />;
  if (settings.isPending || !draft)
    return settings.error ? <ErrorBanner error={settings.error} /> : <Spinner />;

  const apiErrors = fieldErrors(save.error);
  const local = Object.fromEntries((Object.keys(FIELDS) as Key[]).map((k) => [k, problem(k, draft[k])]));
  const invalid = Object.values(local).some(Boolean);
  const dirty = Object.keys(changes()).length > 0;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    if (!invalid && dirty) save.mutate(changes());
  };

  return (
    <>
      <PageHeader title={t("nav.settings")} />
      {!writable && <Notice>{t("settings.readOnly")}</Notice>}
      {saved && !dirty && <Notice tone="success">{t("settings.saved")}</Notice>}
      <ErrorBanner error={save.error} />
      <form onSubmit={submit} className="space-y-4" noValidate>
        <div className="grid gap-4 lg:grid-cols-3">
          {SECTIONS.map((section) => (
            <Card key={section.title} title={t(section.title)}>
              <fieldset disabled={!writable} className="space-y-3">
                {section.keys.map((key) => (
                  <Field
                    key={key}
                    label={t(`settings.${key}`)}
                    hint={t(`settings.${key}.hint`)}
                    error={local[key] ?? apiErrors[key]}
                  >
                    {(id) => (
                      <Input
                        id={id}
                        name={key}
                        type="number"
                        inputMode={FIELDS[key].integer ? "numeric" : "decimal"}
                        min={FIELDS[key].exclusiveMin ? undefined : FIELDS[key].min}
                        max={FIELDS[key].max}
                        step={FIELDS[key].integer ? 1 : "any"}
                        aria-invalid={Boolean(local[key] ?? apiErrors[key])}
                        value={draft[key]}
                        onChange={(e) => {
                          setSaved(false);
                          setDraft({ ...draft, [key]: e.target.value });
                        }}
                      />
                    )}
                  </Field>
                ))}
              </fieldset>
            </Card>
          ))}
        </div>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {t("settings.twoFactorNote")}{" "}
          <Link to="/admin/roles" className="text-indigo-600 underline dark:text-indigo-400">
            {t("nav.roles")}
          </Link>
        </p>
        {writable && (
          <div className="flex gap-2">
            <Button type="submit" variant="primary" busy={save.isPending} disabled={invalid || !dirty}>
              {t("action.save")}
            </Button>
            <Button
              disabled={!dirty}
              onClick={() => {
                save.reset();
                if (settings.data) setDraft(toDraft(settings.data));
              }}
            >
              {t("settings.discard")}
            </Button>
          </div>
        )}
      </form>
    </>
  );
}
