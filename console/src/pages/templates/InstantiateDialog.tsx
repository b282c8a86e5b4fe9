import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { Button, Dialog, ErrorBanner, Field, Input, Notice } from "../../components/ui";
import { useI18n } from "../../i18n";
import { ApiError, api } from "../../lib/api";
import { describeInstance, type InstanceSource } from "./model";
import {
  initialVariableValues,
  missingVariables,
  VariableInputs,
  type VariableValues,
  variableValues,
} from "./VariableInputs";

/** Field errors from the API: `invalid_variables` names the variable, validation failures give a path. */
function fieldErrorsOf(error: unknown): { name?: string; variables: Record<string, string> } {
  const variables: Record<string, string> = {};
  let name: string | undefined;
  if (!(error instanceof ApiError)) return { variables };
  for (const detail of error.details ?? []) {
    if (detail.variable) variables[detail.variable] = detail.message;
    else if (detail.path === "name") name = detail.message;
    else if (detail.path?.startsWith("variables.")) variables[detail.path.slice(10)] = detail.message;
  }
  if (error.status === 409) name = error.message;
  return { name, variables };
}

/**
 * Makes an instance from a template or catalog entry: an instance name plus one input per variable;
 * on success, opens the new instance's page.
 */
export function InstantiateDialog({
  source,
  endpoint,
  onClose,
}: {
  source: InstanceSource;
  /** `/templates/{id}/instances` or `/catalog/{name}/instances`. */
  endpoint: string;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(source.name);
  const [description, setDescription] = useState("");
  const [values, setValues] = useState<VariableValues>(() => initialVariableValues(source.variables));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [nameError, setNameError] = useState<string>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingVariables(source.variables, values);
    setError(undefined);
    setNameError(name.trim() ? undefined : t("common.required"));
    setFieldErrors(Object.fromEntries(missing.map((m) => [m, t("common.required")])));
    if (missing.length || !name.trim()) return;
    setBusy(true);
    try {
      const created = await api.post<{ name: string }>(endpoint, {
        name: name.trim(),
        variables: variableValues(source.variables, values),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      await queryClient.invalidateQueries({ queryKey: ["instances"] });
      onClose();
      await navigate({ to: "/instances/$name", params: { name: created.name } });
    } catch (caught) {
      const fields = fieldErrorsOf(caught);
      setNameError(fields.name);
      setFieldErrors(fields.variables);
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("instantiate.title", { name: source.title })} open onClose={onClose} wide>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {source.description}
          <span className="mt-1 block font-mono text-xs">{describeInstance(source.instance)}</span>
        </p>
        <ErrorBanner error={error} />
        <Field label={t("instantiate.name")} hint={t("instantiate.nameHint")} error={nameError}>
          {(id) => (
            <Input
              id={id}
              name="instance-name"
              value={name}
              autoComplete="off"
              onChange={(e) => {
                setName(e.target.value);
                setNameError(undefined);
              }}
            />
          )}
        </Field>
        <Field label={t("common.description")}>
          {(id) => <Input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        {source.variables.length > 0 ? (
          <fieldset className="space-y-2 rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <legend className="px-1 text-sm font-semibold">{t("variable.title")}</legend>
            <VariableInputs
              variables={source.variables}
              values={values}
              errors={fieldErrors}
              onChange={(next) => {
                setValues(next);
                // A changed field's error no longer applies.
                setFieldErrors((errors) =>
                  Object.fromEntries(Object.entries(errors).filter(([name]) => next[name] === values[name])),
                );
              }}
            />
          </fieldset>
        ) : (
          <Notice>{t("instantiate.noVariables")}</Notice>
        )}
        {source.variables.some((v) => v.type === "secret") && (
          <p className="text-xs text-slate-500 dark:text-slate-400">{t("instantiate.secretNote")}</p>
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{t("action.cancel")}</Button>
          <Button type="submit" variant="primary" busy={busy}>
            {t("instantiate.submit")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
