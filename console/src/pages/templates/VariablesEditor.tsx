import { Plus, Trash2 } from "lucide-react";
import { Button, EmptyState, Field, Input, Select } from "../../components/ui";
import { useI18n } from "../../i18n";
import { VARIABLE_TYPES, type Variable, type VariableType } from "./model";

/** A variable as edited: the default and the enum options as text, plus a stable key for React. */
export interface VariableDraft {
  key: string;
  name: string;
  type: VariableType;
  description: string;
  required: boolean;
  default: string;
  options: string;
}

let nextKey = 0;
const newKey = () => `v${++nextKey}`;

export function draftOf(variable?: Variable): VariableDraft {
  return {
    key: newKey(),
    name: variable?.name ?? "",
    type: variable?.type ?? "string",
    description: variable?.description ?? "",
    required: variable?.required ?? true,
    default: variable?.default === undefined ? "" : String(variable.default),
    options: variable?.options?.join(", ") ?? "",
  };
}

/** The API's variable: typed default (none for secrets), options only for enums. */
export function variableOf(draft: VariableDraft): Variable {
  const options = draft.options
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  const variable: Variable = {
    name: draft.name.trim(),
    type: draft.type,
    description: draft.description.trim(),
    required: draft.required,
  };
  if (draft.type === "enum") variable.options = options;
  if (draft.default !== "" && draft.type !== "secret") {
    variable.default =
      draft.type === "number" && Number.isFinite(Number(draft.default))
        ? Number(draft.default)
        : draft.type === "boolean"
          ? draft.default === "true"
          : draft.default;
  }
  return variable;
}

function DefaultInput({ draft, onChange }: { draft: VariableDraft; onChange: (value: string) => void }) {
  const { t } = useI18n();
  return (
    <Field
      label={t("variable.default")}
      hint={draft.type === "secret" ? t("variable.secretNoDefault") : undefined}
    >
      {(id) =>
        draft.type === "boolean" || draft.type === "enum" ? (
          <Select id={id} value={draft.default} onChange={(e) => onChange(e.target.value)}>
            <option value="">{t("common.none")}</option>
            {(draft.type === "boolean"
              ? ["true", "false"]
              : draft.options
                  .split(",")
                  .map((o) => o.trim())
                  .filter(Boolean)
            ).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </Select>
        ) : (
          <Input
            id={id}
            type={draft.type === "number" ? "number" : "text"}
            disabled={draft.type === "secret"}
            value={draft.type === "secret" ? "" : draft.default}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** The template's variables: add, change and remove rows. */
export function VariablesEditor({
  drafts,
  onChange,
}: {
  drafts: VariableDraft[];
  onChange: (drafts: VariableDraft[]) => void;
}) {
  const { t } = useI18n();
  const update = (key: string, patch: Partial<VariableDraft>) =>
    onChange(drafts.map((d) => (d.key === key ? { ...d, ...patch } : d)));
  const add = () => onChange([...drafts, draftOf()]);
  return (
    <div className="space-y-3">
      {drafts.length === 0 && (
        <EmptyState
          title={t("variable.none")}
          hint={t("variable.noneHint")}
          action={
            <Button onClick={add}>
              <Plus className="size-4" aria-hidden /> {t("variable.add")}
            </Button>
          }
        />
      )}
      {drafts.map((draft, index) => (
        <fieldset
          key={draft.key}
          aria-label={t("variable.row", { index: index + 1 })}
          className="grid gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-2 lg:grid-cols-4 dark:border-slate-700"
        >
          <Field label={t("variable.name")}>
            {(id) => (
              <Input
                id={id}
                className="font-mono"
                value={draft.name}
                placeholder="API_KEY"
                onChange={(e) => update(draft.key, { name: e.target.value })}
              />
            )}
          </Field>
          <Field label={t("variable.type")}>
            {(id) => (
              <Select
                id={id}
                value={draft.type}
                onChange={(e) => {
                  const type = e.target.value as VariableType;
                  update(draft.key, { type, default: type === draft.type ? draft.default : "" });
                }}
              >
                {VARIABLE_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {t(`variable.type.${type}`)}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <DefaultInput draft={draft} onChange={(value) => update(draft.key, { default: value })} />
          <div className="flex items-end justify-between gap-2">
            <label className="flex items-center gap-2 pb-1.5 text-sm">
              <input
                type="checkbox"
                checked={draft.required}
                onChange={(e) => update(draft.key, { required: e.target.checked })}
              />
              {t("common.required")}
            </label>
            <Button
              variant="ghost"
              aria-label={t("variable.remove", { name: draft.name || String(index + 1) })}
              onClick={() => onChange(drafts.filter((d) => d.key !== draft.key))}
            >
              <Trash2 className="size-4" aria-hidden />
            </Button>
          </div>
          {draft.type === "enum" && (
            <div className="sm:col-span-2 lg:col-span-4">
              <Field label={t("variable.options")} hint={t("variable.optionsHint")}>
                {(id) => (
                  <Input
                    id={id}
                    value={draft.options}
                    onChange={(e) => update(draft.key, { options: e.target.value })}
                  />
                )}
              </Field>
            </div>
          )}
          <div className="sm:col-span-2 lg:col-span-4">
            <Field label={t("common.description")}>
              {(id) => (
                <Input
                  id={id}
                  value={draft.description}
                  onChange={(e) => update(draft.key, { description: e.target.value })}
                />
              )}
            </Field>
          </div>
        </fieldset>
      ))}
      {drafts.length > 0 && (
        <Button onClick={add}>
          <Plus className="size-4" aria-hidden /> {t("variable.add")}
        </Button>
      )}
    </div>
  );
}
