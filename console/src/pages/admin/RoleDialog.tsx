import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Button, Dialog, ErrorBanner, Field, Input, Notice, Select, Textarea } from "../../components/ui";
import { type MessageKey, useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import {
  DATA_SCOPES,
  type DataScope,
  type Department,
  departmentTree,
  fieldErrors,
  type Role,
  splitPermission,
} from "./model";
import { Checkbox } from "./parts";

interface Draft {
  name: string;
  description: string;
  permissions: string[];
  dataScope: DataScope;
  scopeDepartmentIds: string[];
  requireTwoFactor: boolean;
}

const blank: Draft = {
  name: "",
  description: "",
  permissions: [],
  dataScope: "dept",
  scopeDepartmentIds: [],
  requireTwoFactor: false,
};

/** A message when there is one, else the raw word (a permission the console has no label for yet). */
export function useLabel() {
  const { t } = useI18n();
  return (key: string, fallback: string) => {
    const text = t(key as MessageKey);
    return text === key ? fallback : text;
  };
}

/** The permission catalogue as a grid: a row per resource, a column per action. */
function PermissionGrid({
  catalogue,
  selected,
  held,
  readOnly,
  onToggle,
}: {
  catalogue: string[];
  selected: string[];
  held: Set<string>;
  readOnly: boolean;
  onToggle: (permission: string, on: boolean) => void;
}) {
  const { t } = useI18n();
  const label = useLabel();
  const resources = [...new Set(catalogue.map((p) => splitPermission(p)[0]))];
  const actions = [...new Set(catalogue.map((p) => splitPermission(p)[1]))];
  return (
    <div className="overflow-x-auto rounded-md border border-slate-200 dark:border-slate-700">
      <table className="w-full text-sm">
        <thead className="bg-slate-100 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
          <tr>
            <th className="px-2 py-1.5 text-left font-medium">{t("roles.resource")}</th>
            {actions.map((action) => (
              <th key={action} className="px-2 py-1.5 font-medium">
                {label(`roles.action.${action}`, action)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {resources.map((resource) => (
            <tr key={resource}>
              <td className="px-2 py-1">{label(`roles.resource.${resource}`, resource)}</td>
              {actions.map((action) => {
                const permission = `${resource}:${action}`;
                if (!catalogue.includes(permission)) return <td key={action} />;
                const checked = selected.includes(permission);
                return (
                  <td key={action} className="px-2 py-1 text-center">
                    <input
                      type="checkbox"
                      aria-label={permission}
                      title={held.has(permission) ? permission : t("roles.notHeld")}
                      className="size-4 accent-indigo-600 disabled:opacity-50"
                      checked={checked}
                      disabled={readOnly || (!held.has(permission) && !checked)}
                      onChange={(e) => onToggle(permission, e.target.checked)}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Creates or changes a custom role; shows a built-in one (or any, to a reader) read-only. */
export function RoleDialog({
  open,
  role,
  catalogue,
  departments,
  onClose,
}: {
  open: boolean;
  role?: Role;
  catalogue: string[];
  departments: Department[];
  onClose: () => void;
}) {
  const { t } = useI18n();
  const label = useLabel();
  const { me, can } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(blank);
  const readOnly = Boolean(role?.builtIn) || !can("role:write");
  const held = new Set(me?.permissions ?? []);

  useEffect(() => {
    if (!open) return;
    setDraft(
      role
        ? {
            name: role.name,
            description: role.description,
            permissions: role.permissions,
            dataScope: role.dataScope,
            scopeDepartmentIds: role.scopeDepartmentIds,
            requireTwoFactor: role.requireTwoFactor,
          }
        : blank,
    );
  }, [open, role]);

  const save = useMutation({
    mutationFn: () => {
      const body = {
        ...draft,
        scopeDepartmentIds: draft.dataScope === "custom" ? draft.scopeDepartmentIds : [],
      };
      return role ? api.patch<Role>(`/roles/${role.id}`, body) : api.post<Role>("/roles", body);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["roles"] });
      onClose();
    },
  });
  useEffect(() => {
    if (!open) save.reset();
  }, [open, save.reset]);

  const errors = fieldErrors(save.error);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const toggle = (key: "permissions" | "scopeDepartmentIds", value: string, on: boolean) =>
    setDraft((d) => ({ ...d, [key]: on ? [...d[key], value] : d[key].filter((v) => v !== value) }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!readOnly) save.mutate();
  };
  const title = role
    ? readOnly
      ? role.name
      : t("roles.editTitle", { name: role.name })
    : t("roles.newTitle");

  return (
    <Dialog title={title} open={open} onClose={onClose} wide>
      {role?.builtIn && <Notice>{t("roles.builtInReadOnly")}</Notice>}
      <ErrorBanner error={save.error} />
      <form onSubmit={submit} className="space-y-3">
        <fieldset disabled={readOnly} className="grid gap-3 sm:grid-cols-2">
          <Field label={t("common.name")} hint={t("roles.nameHint")} error={errors.name}>
            {(id) => (
              <Input
                id={id}
                required
                maxLength={48}
                value={draft.name}
                onChange={(e) => set("name", e.target.value.toLowerCase())}
              />
            )}
          </Field>
          <Field label={t("roles.dataScope")} hint={t(`roles.scopeHint.${draft.dataScope}`)}>
            {(id) => (
              <Select
                id={id}
                value={draft.dataScope}
                onChange={(e) => set("dataScope", e.target.value as DataScope)}
              >
                {DATA_SCOPES.map((scope) => (
                  <option key={scope} value={scope}>
                    {label(`roles.scope.${scope}`, scope)}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <div className="sm:col-span-2">
            <Field label={t("common.description")} error={errors.description}>
              {(id) => (
                <Textarea
                  id={id}
                  rows={2}
                  maxLength={500}
                  className="font-sans"
                  value={draft.description}
                  onChange={(e) => set("description", e.target.value)}
                />
              )}
            </Field>
          </div>
        </fieldset>
        {draft.dataScope === "custom" && (
          <fieldset disabled={readOnly}>
            <legend className="mb-1 text-sm font-medium">{t("roles.scopeDepartments")}</legend>
            {departments.length === 0 ? (
              <p className="text-sm text-slate-500">{t("roles.noDepartments")}</p>
            ) : (
              <div className="max-h-40 space-y-1 overflow-y-auto rounded-md border border-slate-200 p-2 dark:border-slate-700">
                {departmentTree(departments).map(({ department, depth }) => (
                  <div key={department.id} style={{ paddingLeft: `${depth * 1.25}rem` }}>
                    <Checkbox
                      label={department.name}
                      checked={draft.scopeDepartmentIds.includes(department.id)}
                      onChange={(e) => toggle("scopeDepartmentIds", department.id, e.target.checked)}
                    />
                  </div>
                ))}
              </div>
            )}
            {errors.scopeDepartmentIds && (
              <p className="text-xs text-red-600 dark:text-red-400">{errors.scopeDepartmentIds}</p>
            )}
          </fieldset>
        )}
        <div>
          <p className="mb-1 text-sm font-medium">
            {t("roles.permissions")} ({draft.permissions.length})
          </p>
          <PermissionGrid
            catalogue={catalogue}
            selected={draft.permissions}
            held={held}
            readOnly={readOnly}
            onToggle={(permission, on) => toggle("permissions", permission, on)}
          />
          {errors.permissions && (
            <p className="text-xs text-red-600 dark:text-red-400">{errors.permissions}</p>
          )}
        </div>
        <Checkbox
          label={t("roles.requireTwoFactor")}
          hint={t("roles.requireTwoFactorHint")}
          disabled={readOnly}
          checked={draft.requireTwoFactor}
          onChange={(e) => set("requireTwoFactor", e.target.checked)}
        />
        <div className="flex justify-end gap-2 pt-2">
          <Button onClick={onClose}>{readOnly ? t("action.close") : t("action.cancel")}</Button>
          {!readOnly && (
            <Button type="submit" variant="primary" busy={save.isPending}>
              {role ? t("action.save") : t("action.create")}
            </Button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
