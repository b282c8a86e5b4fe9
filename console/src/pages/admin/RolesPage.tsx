import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Eye, Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import {
  Badge,
  Button,
  ConfirmDialog,
  EmptyState,
  ErrorBanner,
  PageHeader,
  Spinner,
  Table,
  Td,
} from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { type Role, useDepartments, useRoles } from "./model";
import { Forbidden } from "./parts";
import { RoleDialog, useLabel } from "./RoleDialog";

/** Built-in roles (read-only) and custom ones: permissions, data scope, second-factor requirement. */
export function RolesPage() {
  const { t } = useI18n();
  const label = useLabel();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const readable = can("role:read");
  const roles = useRoles(readable);
  const departments = useDepartments(readable && can("department:read"));
  const catalogue = useQuery({
    queryKey: ["permissions"],
    queryFn: () => api.get<{ permissions: string[]; dataScopes: string[] }>("/permissions"),
    enabled: readable,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [open, setOpen] = useState<Role | "new">();
  const [deleting, setDeleting] = useState<Role>();
  const remove = useMutation({
    mutationFn: (role: Role) => api.delete(`/roles/${role.id}`),
    onSuccess: async () => {
      setDeleting(undefined);
      await queryClient.invalidateQueries({ queryKey: ["roles"] });
    },
  });

  if (!readable) return <Forbidden />;
  const writable = can("role:write");
  const deletable = can("role:delete");
  const list = [...(roles.data ?? [])].sort(
    (a, b) => Number(b.builtIn) - Number(a.builtIn) || a.name.localeCompare(b.name),
  );
  const newRole = writable && (
    <Button variant="primary" onClick={() => setOpen("new")} disabled={!catalogue.data}>
      <Plus className="size-4" aria-hidden /> {t("roles.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("nav.roles")} actions={newRole} />
      <ErrorBanner error={roles.error ?? catalogue.error} />
      {roles.isPending ? (
        <Spinner />
      ) : list.length === 0 ? (
        <EmptyState title={t("roles.empty")} action={newRole} />
      ) : (
        <Table
          head={[
            t("common.name"),
            t("roles.dataScope"),
            t("roles.permissions"),
            t("roles.twoFactor"),
            t("common.actions"),
          ]}
        >
          {list.map((role) => (
            <tr key={role.id} data-testid={`role-${role.name}`}>
              <Td>
                <div className="flex flex-wrap items-center gap-1.5 font-medium">
                  {role.name}
                  {role.builtIn ? (
                    <Badge>{t("roles.builtIn")}</Badge>
                  ) : (
                    <Badge tone="blue">{t("roles.custom")}</Badge>
                  )}
                </div>
                {role.description && (
                  <div className="text-xs text-slate-500 dark:text-slate-400">{role.description}</div>
                )}
              </Td>
              <Td className="whitespace-nowrap">{label(`roles.scope.${role.dataScope}`, role.dataScope)}</Td>
              <Td className="whitespace-nowrap">
                <span title={role.permissions.join(", ")}>
                  {t("roles.permissionCount", { count: role.permissions.length })}
                </span>
              </Td>
              <Td>{role.requireTwoFactor ? t("common.yes") : t("common.no")}</Td>
              <Td className="whitespace-nowrap">
                {role.builtIn || !writable ? (
                  <Button
                    variant="ghost"
                    className="px-1.5"
                    aria-label={t("roles.view")}
                    title={t("roles.view")}
                    onClick={() => setOpen(role)}
                    disabled={!catalogue.data}
                  >
                    <Eye className="size-4" aria-hidden />
                  </Button>
                ) : (
                  <Button
                    variant="ghost"
                    className="px-1.5"
                    aria-label={t("action.edit")}
                    title={t("action.edit")}
                    onClick={() => setOpen(role)}
                    disabled={!catalogue.data}
                  >
                    <Pencil className="size-4" aria-hidden />
                  </Button>
                )}
                {deletable && !role.builtIn && (
                  <Button
                    variant="ghost"
                    className="px-1.5"
                    aria-label={t("action.delete")}
                    title={t("action.delete")}
                    onClick={() => {
                      remove.reset();
                      setDeleting(role);
                    }}
                  >
                    <Trash2 className="size-4 text-red-600" aria-hidden />
                  </Button>
                )}
              </Td>
            </tr>
          ))}
        </Table>
      )}
      <RoleDialog
        open={open !== undefined}
        role={open === "new" ? undefined : open}
        catalogue={catalogue.data?.permissions ?? []}
        departments={departments.data ?? []}
        onClose={() => setOpen(undefined)}
      />
      <ConfirmDialog
        open={deleting !== undefined}
        title={t("roles.deleteTitle")}
        message={t("roles.confirmDelete", { name: deleting?.name ?? "" })}
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(undefined)}
      />
    </>
  );
}
