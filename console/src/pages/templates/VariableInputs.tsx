import { Badge, Field, Input, Select } from "../../components/ui";
import { useI18n } from "../../i18n";
import type { Variable } from "./model";

/** Form values are kept as text; `variableValues` turns them into what the API takes. */
export type VariableValues = Record<string, string>;

/** The starting values: each variable's default, never anything for a secret. */
export function initialVariableValues(variables: Variable[]): VariableValues {
  return Object.fromEntries(
    variables.map((v) => [v.name, v.type === "secret" || v.default === undefined ? "" : String(v.default)]),
  );
}

/** Empty fields are left out so that the template's default (or its "is required") applies. */
export function variableValues(variables: Variable[], values: VariableValues) {
  const result: Record<string, string | number | boolean> = {};
  for (const v of variables) {
    const value = values[v.name] ?? "";
    if (value === "") continue;
    if (v.type === "number" && Number.isFinite(Number(value))) result[v.name] = Number(value);
    else if (v.type === "boolean") result[v.name] = value === "true";
    else result[v.name] = value;
  }
  return result;
}

/** Names of the required variables left empty without a default. */
export function missingVariables(variables: Variable[], values: VariableValues): string[] {
  return variables
    .filter((v) => v.required && v.default === undefined && (values[v.name] ?? "") === "")
    .map((v) => v.name);
}

/** One input per variable, by its type: secrets are password fields that are never prefilled. */
export function VariableInputs({
  variables,
  values,
  errors,
  onChange,
}: {
  variables: Variable[];
  values: VariableValues;
  errors: Record<string, string>;
  onChange: (values: VariableValues) => void;
}) {
  const { t } = useI18n();
  const set = (name: string, value: string) => onChange({ ...values, [name]: value });
  return (
    <div className="space-y-3">
      {variables.map((v) => {
        const value = values[v.name] ?? "";
        const label = v.required ? `${v.name} *` : v.name;
        const hint =
          [
            v.description,
            v.default !== undefined ? t("variable.defaultIs", { value: String(v.default) }) : "",
          ]
            .filter(Boolean)
            .join(" · ") || undefined;
        return (
          <Field key={v.name} label={label} hint={hint} error={errors[v.name]}>
            {(id) => (
              <div className="flex items-center gap-2">
                {v.type === "enum" || v.type === "boolean" ? (
                  <Select id={id} name={v.name} value={value} onChange={(e) => set(v.name, e.target.value)}>
                    <option value="">{v.required ? t("variable.choose") : t("variable.unset")}</option>
                    {(v.type === "boolean" ? ["true", "false"] : (v.options ?? [])).map((option) => (
                      <option key={option} value={option}>
                        {option}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <Input
                    id={id}
                    name={v.name}
                    type={v.type === "secret" ? "password" : v.type === "number" ? "number" : "text"}
                    autoComplete={v.type === "secret" ? "new-password" : "off"}
                    value={value}
                    aria-invalid={errors[v.name] ? true : undefined}
                    onChange={(e) => set(v.name, e.target.value)}
                  />
                )}
                {v.type === "secret" && <Badge tone="amber">{t("variable.type.secret")}</Badge>}
              </div>
            )}
          </Field>
        );
      })}
    </div>
  );
}
