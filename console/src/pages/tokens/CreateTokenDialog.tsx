import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Dialog, ErrorBanner, Field, Input, Select, Spinner } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import type { ListPage } from "../templates/model";
import { EXPIRY_DAYS, type Token } from "./model";

interface InstanceSummary {
  name: string;
  description: string;
}

/** Checkboxes for the instances in the caller's scope, with a filter for long lists. */
function InstancePicker({ selected, onChange }: { selected: string[]; onChange: (names: string[]) => void }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState("");
  const instances = useQuery({
    queryKey: ["instances", "names"],
    queryFn: () => api.get<ListPage<InstanceSummary>>("/instances", { limit: 500 }),
  });
  if (instances.isPending) return <Spinner />;
  if (instances.error) return <ErrorBanner error={instances.error} />;
  const shown = instances.data.items.filter((i) =>
    i.name.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  if (instances.data.items.length === 0) {
    return <p className="text-sm text-slate-500">{t("tokens.noInstances")}</p>;
  }
  return (
    <div className="space-y-2">
      {instances.data.items.length > 8 && (
        <Input
          type="search"
          aria-label={t("tokens.filterInstances")}
          placeholder={t("tokens.filterInstances")}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      )}
      <ul className="max-h-56 space-y-1 overflow-y-auto rounded-md border border-slate-200 p-2 dark:border-slate-700">
        {shown.map((instance) => (
          <li key={instance.name}>
            <label className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-1"
                checked={selected.includes(instance.name)}
                onChange={(e) =>
                  onChange(
                    e.target.checked
                      ? [...selected, instance.name]
                      : selected.filter((name) => name !== instance.name),
                  )
                }
              />
              <span>
                <span className="font-mono">{instance.name}</span>
                {instance.description && (
                  <span className="block text-xs text-slate-500">{instance.description}</span>
                )}
              </span>
            </label>
          </li>
        ))}
      </ul>
      <p className="text-xs text-slate-500">{t("tokens.selectedCount", { count: selected.length })}</p>
    </div>
  );
}

/** The token form; hands the created token and its one-time secret to `onCreated`. */
export function CreateTokenDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (created: Token & { secret: string }) => void;
}) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"some" | "all">("some");
  const [selected, setSelected] = useState<string[]>([]);
  const [expiry, setExpiry] = useState("30");
  const [customDays, setCustomDays] = useState("14");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [problem, setProblem] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const days = expiry === "custom" ? Number(customDays) : Number(expiry);
    if (!name.trim()) return setProblem(t("tokens.nameRequired"));
    if (scope === "some" && selected.length === 0) return setProblem(t("tokens.pickInstances"));
    if (!Number.isInteger(days) || days < 0 || days > 3650) return setProblem(t("tokens.badExpiry"));
    setProblem(undefined);
    setBusy(true);
    try {
      const created = await api.post<Token & { secret: string }>("/tokens", {
        name: name.trim(),
        instances: scope === "all" ? null : selected,
        ...(days > 0 ? { expiresInSeconds: days * 86_400 } : {}),
      });
      await queryClient.invalidateQueries({ queryKey: ["tokens"] });
      onCreated(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("tokens.create")} open onClose={onClose} wide>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <ErrorBanner error={error} />
        {problem && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {problem}
          </p>
        )}
        <Field label={t("common.name")} hint={t("tokens.nameHint")}>
          {(id) => (
            <Input id={id} value={name} autoComplete="off" onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">{t("tokens.scope")}</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="scope" checked={scope === "some"} onChange={() => setScope("some")} />
            {t("tokens.scopeSome")}
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="scope" checked={scope === "all"} onChange={() => setScope("all")} />
            {t("tokens.scopeAll")}
          </label>
          {scope === "all" ? (
            <p className="text-xs text-slate-500">{t("tokens.scopeAllHint")}</p>
          ) : (
            <InstancePicker selected={selected} onChange={setSelected} />
          )}
        </fieldset>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label={t("tokens.expiry")}>
            {(id) => (
              <Select id={id} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
                {EXPIRY_DAYS.map((days) => (
                  <option key={days} value={String(days)}>
                    {days === 0 ? t("tokens.never") : t("tokens.days", { count: days })}
                  </option>
                ))}
                <option value="custom">{t("tokens.customExpiry")}</option>
              </Select>
            )}
          </Field>
          {expiry === "custom" && (
            <Field label={t("tokens.customDays")}>
              {(id) => (
                <Input
                  id={id}
                  type="number"
                  min={1}
                  max={3650}
                  value={customDays}
                  onChange={(e) => setCustomDays(e.target.value)}
                />
              )}
            </Field>
          )}
        </div>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{t("action.cancel")}</Button>
          <Button type="submit" variant="primary" busy={busy}>
            {t("action.create")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
