import { Plus, Trash2 } from "lucide-react";
import { Button, Field, Input, Select, Textarea } from "../../components/ui";
import { type Translate, useI18n } from "../../i18n";
import { FieldError, type FieldState, initialState, kindOf, type Schema } from "./schema-form";

/** The messages, by field path, for a form value toValue refused (or for JSON that does not parse). */
export function fieldErrors(t: Translate, error: unknown): Record<string, string> {
  if (!(error instanceof FieldError)) {
    return { "": t("inspector.badJson", { error: (error as Error).message }) };
  }
  const text =
    error.reason === "required"
      ? t("common.required")
      : error.reason === "json"
        ? t("inspector.badJson", { error: error.message })
        : t(`inspector.bad.${error.reason}`);
  return { [error.path]: text };
}

/** Fields for an object schema's properties; `errors` holds messages by field path. */
export function SchemaFields({
  schema,
  state,
  onChange,
  errors,
  path = "",
}: {
  schema: Schema;
  state: Record<string, FieldState>;
  onChange: (state: Record<string, FieldState>) => void;
  errors: Record<string, string>;
  path?: string;
}) {
  const required = new Set(schema.required ?? []);
  return (
    <div className="space-y-3">
      {Object.entries(schema.properties ?? {}).map(([key, sub]) => (
        <SchemaField
          key={key}
          name={key}
          schema={sub}
          required={required.has(key)}
          state={state[key] ?? initialState(sub)}
          onChange={(value) => onChange({ ...state, [key]: value })}
          errors={errors}
          path={path ? `${path}.${key}` : key}
        />
      ))}
    </div>
  );
}

function SchemaField({
  name,
  schema,
  required,
  state,
  onChange,
  errors,
  path,
}: {
  name: string;
  schema: Schema;
  required: boolean;
  state: FieldState;
  onChange: (state: FieldState) => void;
  errors: Record<string, string>;
  path: string;
}) {
  const { t } = useI18n();
  const kind = kindOf(schema);
  const label = `${schema.title ?? name}${required ? " *" : ""}`;
  const typeName = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "json");
  const hint = [schema.description, kind === "json" ? t("inspector.jsonField", { type: typeName }) : ""]
    .filter(Boolean)
    .join(" · ");

  if (kind === "object") {
    return (
      <fieldset className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
        <legend className="px-1 text-sm font-medium">{label}</legend>
        {schema.description && <p className="mb-2 text-xs text-slate-500">{schema.description}</p>}
        <SchemaFields
          schema={schema}
          state={state as Record<string, FieldState>}
          onChange={onChange}
          errors={errors}
          path={path}
        />
      </fieldset>
    );
  }
  if (kind === "array") {
    const items = state as FieldState[];
    const itemSchema = schema.items!;
    return (
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">{label}</legend>
        {schema.description && <p className="text-xs text-slate-500">{schema.description}</p>}
        {items.map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity but their position
          <div key={index} className="flex items-start gap-2">
            <div className="flex-1">
              <SchemaField
                name={`${name}[${index}]`}
                schema={itemSchema}
                required
                state={item}
                onChange={(value) => onChange(items.map((it, i) => (i === index ? value : it)))}
                errors={errors}
                path={`${path}.${index}`}
              />
            </div>
            <Button
              variant="ghost"
              className="mt-6"
              aria-label={`${t("action.delete")} ${name}[${index}]`}
              onClick={() => onChange(items.filter((_, i) => i !== index))}
            >
              <Trash2 className="size-4" aria-hidden />
            </Button>
          </div>
        ))}
        <Button onClick={() => onChange([...items, initialState(itemSchema)])}>
          <Plus className="size-4" aria-hidden />
          {t("inspector.addItem")}
        </Button>
        {errors[path] && <p className="text-xs text-red-600 dark:text-red-400">{errors[path]}</p>}
      </fieldset>
    );
  }
  return (
    <Field label={label} hint={hint || undefined} error={errors[path]}>
      {(id) => {
        const value = state as string;
        switch (kind) {
          case "boolean":
            return (
              <Select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
                {!required && <option value="">—</option>}
                {required && value === "" && <option value="">{t("inspector.choose")}</option>}
                <option value="true">true</option>
                <option value="false">false</option>
              </Select>
            );
          case "enum":
            return (
              <Select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
                <option value="">{required ? t("inspector.choose") : "—"}</option>
                {schema.enum!.map((option, i) => (
                  <option key={JSON.stringify(option)} value={String(i)}>
                    {typeof option === "string" ? option : JSON.stringify(option)}
                  </option>
                ))}
              </Select>
            );
          case "number":
          case "integer":
            return (
              <Input
                id={id}
                type="number"
                step={kind === "integer" ? 1 : "any"}
                value={value}
                onChange={(e) => onChange(e.target.value)}
              />
            );
          case "string":
            return <Input id={id} value={value} onChange={(e) => onChange(e.target.value)} />;
          default:
            return (
              <Textarea
                id={id}
                rows={3}
                spellCheck={false}
                value={value}
                onChange={(e) => onChange(e.target.value)}
              />
            );
        }
      }}
    </Field>
  );
}
