import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Button, Dialog, ErrorBanner, Field, Input } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { type Department, fieldErrors, type Role, type User } from "./model";
import { Checkbox, DepartmentSelect } from "./parts";

interface Draft {
  username: string;
  displayName: string;
  email: string;
  departmentId: string;
  roles: string[];
  enabled: boolean;
}

const blank: Draft = { username: "", displayName: "", email: "", departmentId: "", roles: [], enabled: true };

const fromUser = (user: User): Draft => ({
  username: user.username,
  displayName: user.displayName ?? "",
  email: user.email ?? "",
  departmentId: user.departmentId ?? "",
  roles: user.roles,
  enabled: user.enabled,
});

/**
 * Creates a user (the API answers with a one-time password, handed to `onCreated`) or changes one:
 * display name, e-mail, department, roles, enabled. Roles granting more than the caller holds are
 * disabled, as the API would refuse them.
 */
export function UserFormDialog({
  open,
  user,
  departments,
  roles,
  onClose,
  onCreated,
}: {
  open: boolean;
  /** The user to change; none to create one. */
  user?: User;
  departments: Department[];
  roles: Role[];
  onClose: () => void;
  onCreated: (user: User & { temporaryPassword?: string }) => void;
}) {
  const { t } = useI18n();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(blank);
  const held = new Set(me?.permissions ?? []);

  useEffect(() => {
    if (open) setDraft(user ? fromUser(user) : blank);
  }, [open, user]);

  const save = useMutation({
    mutationFn: async () => {
      const common = {
        displayName: draft.displayName.trim() || undefined,
        email: draft.email.trim() || null,
        departmentId: draft.departmentId || null,
        roles: draft.roles,
      };
      if (user) return api.patch<User>(`/users/${user.id}`, { ...common, enabled: draft.enabled });
      return api.post<User & { temporaryPassword?: string }>("/users", {
        ...common,
        username: draft.username.trim(),
      });
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["users"] });
      if (!user) onCreated(saved);
      onClose();
    },
  });
  useEffect(() => {
    if (!open) save.reset();
  }, [open, save.reset]);

  const errors = fieldErrors(save.error);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const toggleRole = (name: string, on: boolean) =>
    set("roles", on ? [...draft.roles, name] : draft.roles.filter((r) => r !== name));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Dialog
      title={user ? t("users.editTitle", { username: user.username }) : t("users.newTitle")}
      open={open}
      onClose={onClose}
    >
      <ErrorBanner error={save.error} />
      <form onSubmit={submit} className="space-y-3">
        {!user && (
          <Field label={t("users.username")} hint={t("users.usernameHint")} error={errors.username}>
            {(id) => (
              <Input
                id={id}
                required
                autoComplete="off"
                value={draft.username}
                onChange={(e) => set("username", e.target.value.toLowerCase())}
              />
            )}
          </Field>
        )}
        <Field label={t("users.displayName")} error={errors.displayName}>
          {(id) => (
            <Input
              id={id}
              maxLength={100}
              value={draft.displayName}
              onChange={(e) => set("displayName", e.target.value)}
            />
          )}
        </Field>
        <Field label={t("users.email")} error={errors.email}>
          {(id) => (
            <Input
              id={id}
              type="email"
              maxLength={254}
              value={draft.email}
              onChange={(e) => set("email", e.target.value)}
            />
          )}
        </Field>
        <Field label={t("users.department")} hint={t("users.departmentHint")} error={errors.departmentId}>
          {(id) => (
            <DepartmentSelect
              id={id}
              departments={departments}
              value={draft.departmentId}
              onChange={(value) => set("departmentId", value)}
              emptyLabel={t("users.noDepartment")}
            />
          )}
        </Field>
        <fieldset className="space-y-1">
          <legend className="mb-1 text-sm font-medium">{t("users.roles")}</legend>
          <div className="grid gap-1.5 sm:grid-cols-2">
            {roles.map((role) => {
              const beyond = role.permissions.some((p) => !held.has(p));
              return (
                <Checkbox
                  key={role.id}
                  label={role.name}
                  hint={beyond ? t("users.roleBeyond") : role.description}
                  checked={draft.roles.includes(role.name)}
                  disabled={beyond && !draft.roles.includes(role.name)}
                  onChange={(e) => toggleRole(role.name, e.target.checked)}
                />
              );
            })}
          </div>
          {errors.roles && <p className="text-xs text-red-600 dark:text-red-400">{errors.roles}</p>}
        </fieldset>
        {user && (
          <Checkbox
            label={t("users.enabled")}
            checked={draft.enabled}
            onChange={(e) => set("enabled", e.target.checked)}
          />
        )}
        <div className="flex justify-end gap-2 pt-2">
          <Button onClick={onClose}>{t("action.cancel")}</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>
            {user ? t("action.save") : t("action.create")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
