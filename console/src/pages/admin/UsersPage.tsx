import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, LogOut, Pencil, Plus, ShieldOff, Trash2 } from "lucide-react";
import { type ReactNode, useState } from "react";
import { FilterSelect, ListResults, ListToolbar } from "../../components/ListPage";
import { Badge, Button, ConfirmDialog, EmptyState, Notice, PageHeader, Table, Td } from "../../components/ui";
import { type MessageKey, useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useListSearch, useStateStore } from "../../lib/list-search";
import { useSession } from "../../lib/session";
import { departmentPath, type ListPage, type User, useDepartments, useRoles } from "./model";
import { departmentOptions, Forbidden, OneTimePasswordDialog } from "./parts";
import { UserFormDialog } from "./UserFormDialog";

const SORTS = ["username", "-createdAt", "-lastLoginAt"] as const;
type UserFilters = {
  q?: string;
  departmentId?: string;
  enabled?: "true" | "false";
  sort?: (typeof SORTS)[number];
};
type ActionKind = "resetPassword" | "resetTwoFactor" | "revokeSessions" | "delete";
const confirmKeys: Record<ActionKind, [MessageKey, MessageKey]> = {
  resetPassword: ["users.resetPassword", "users.confirmResetPassword"],
  resetTwoFactor: ["users.resetTwoFactor", "users.confirmResetTwoFactor"],
  revokeSessions: ["users.revokeSessions", "users.confirmRevokeSessions"],
  delete: ["action.delete", "users.confirmDelete"],
};

function IconButton({
  label,
  onClick,
  children,
}: {
  label: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <Button variant="ghost" className="px-1.5" aria-label={label} title={label} onClick={onClick}>
      {children}
    </Button>
  );
}

/** Accounts in the caller's scope: search and filters, create (one-time password), change, reset, delete. */
export function UsersPage() {
  const { t, language } = useI18n();
  const { me, can } = useSession();
  const queryClient = useQueryClient();
  const readable = can("user:read");
  const [editing, setEditing] = useState<User | "new">();
  const [secret, setSecret] = useState<{ title: string; username: string; password: string }>();
  const [pending, setPending] = useState<{ kind: ActionKind; user: User }>();
  const [done, setDone] = useState<string>();
  const list = useListSearch(useStateStore<UserFilters>({ sort: "username" }));
  const users = useQuery({
    queryKey: ["users", "list", list.query],
    queryFn: () => api.get<ListPage<User>>("/users", list.query),
    placeholderData: keepPreviousData,
    enabled: readable,
  });
  const departments = useDepartments(can("department:read"));
  const roles = useRoles(can("role:read"));
  const departmentList = departments.data ?? [];

  const act = useMutation({
    mutationFn: async ({ kind, user }: { kind: ActionKind; user: User }) => {
      if (kind === "delete") return api.delete(`/users/${user.id}`);
      if (kind === "resetTwoFactor") return api.post(`/users/${user.id}/reset-two-factor`);
      if (kind === "revokeSessions")
        return api.post<{ revoked: number }>(`/users/${user.id}/revoke-sessions`);
      return api.post<{ temporaryPassword?: string }>(`/users/${user.id}/reset-password`);
    },
    onSuccess: async (result, { kind, user }) => {
      setPending(undefined);
      await queryClient.invalidateQueries({ queryKey: ["users"] });
      const password = (result as { temporaryPassword?: string } | undefined)?.temporaryPassword;
      if (kind === "resetPassword" && password) {
        setSecret({ title: t("users.passwordResetTitle"), username: user.username, password });
      } else if (kind === "revokeSessions") {
        const revoked = (result as { revoked: number }).revoked;
        setDone(t("users.revokedSessions", { username: user.username, count: revoked }));
      } else if (kind === "resetTwoFactor") {
        setDone(t("users.twoFactorReset", { username: user.username }));
      } else if (kind === "delete") {
        setDone(t("users.deleted", { username: user.username }));
      }
    },
  });
  const ask = (kind: ActionKind, user: User) => {
    act.reset();
    setDone(undefined);
    setPending({ kind, user });
  };

  if (!readable) return <Forbidden />;
  const writable = can("user:write");
  const deletable = can("user:delete");
  const filtered = list.filtered;
  const newButton = writable && (
    <Button variant="primary" onClick={() => setEditing("new")}>
      <Plus className="size-4" aria-hidden /> {t("users.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("nav.users")} actions={newButton} />
      <ListToolbar list={list} label={t("action.search")} placeholder={t("users.searchPlaceholder")}>
        <FilterSelect
          label={t("users.department")}
          any={t("users.allDepartments")}
          options={departmentOptions(departmentList)}
          {...list.bind("departmentId")}
        />
        <FilterSelect
          label={t("common.status")}
          any={t("common.all")}
          options={[
            ["true", t("users.enabled")],
            ["false", t("users.disabled")],
          ]}
          {...list.bind("enabled")}
        />
        <FilterSelect
          label={t("users.sort")}
          options={SORTS.map((s) => [s, t(`users.sort.${s}` as MessageKey)])}
          {...list.bind("sort")}
        />
      </ListToolbar>
      {done && <Notice tone="success">{done}</Notice>}
      <ListResults
        list={list}
        result={users}
        empty={
          <EmptyState
            title={filtered ? t("users.noMatch") : t("users.empty")}
            hint={filtered ? t("users.noMatchHint") : writable ? t("users.emptyHint") : undefined}
            action={!filtered && newButton}
          />
        }
      >
        {(items) => (
          <Table
            head={[
              t("users.username"),
              t("users.department"),
              t("users.roles"),
              t("common.status"),
              t("users.lastLogin"),
              ...(writable || deletable ? [t("common.actions")] : []),
            ]}
          >
            {items.map((user) => (
              <tr key={user.id} data-testid={`user-${user.username}`}>
                <Td>
                  <div className="font-medium">{user.username}</div>
                  <div className="text-xs text-slate-500 dark:text-slate-400">
                    {[user.displayName !== user.username && user.displayName, user.email]
                      .filter(Boolean)
                      .join(" · ")}
                  </div>
                </Td>
                <Td>{departmentPath(departmentList, user.departmentId) || "—"}</Td>
                <Td>
                  <div className="flex flex-wrap gap-1">
                    {user.roles.map((r) => (
                      <Badge key={r} tone="blue">
                        {r}
                      </Badge>
                    ))}
                  </div>
                </Td>
                <Td>
                  <div className="flex flex-wrap gap-1">
                    {user.enabled ? (
                      <Badge tone="green">{t("users.enabled")}</Badge>
                    ) : (
                      <Badge tone="red">{t("users.disabled")}</Badge>
                    )}
                    {user.locked && <Badge tone="red">{t("users.locked")}</Badge>}
                    {user.mustChangePassword && <Badge tone="amber">{t("users.mustChange")}</Badge>}
                    {user.twoFactorEnabled && <Badge>{t("users.twoFactor")}</Badge>}
                  </div>
                </Td>
                <Td className="whitespace-nowrap">
                  {user.lastLoginAt ? formatTime(user.lastLoginAt, language) : t("common.never")}
                </Td>
                {(writable || deletable) && (
                  <Td className="whitespace-nowrap">
                    {writable && (
                      <>
                        <IconButton label={t("action.edit")} onClick={() => setEditing(user)}>
                          <Pencil className="size-4" aria-hidden />
                        </IconButton>
                        <IconButton
                          label={t("users.resetPassword")}
                          onClick={() => ask("resetPassword", user)}
                        >
                          <KeyRound className="size-4" aria-hidden />
                        </IconButton>
                        {user.twoFactorEnabled && (
                          <IconButton
                            label={t("users.resetTwoFactor")}
                            onClick={() => ask("resetTwoFactor", user)}
                          >
                            <ShieldOff className="size-4" aria-hidden />
                          </IconButton>
                        )}
                        <IconButton
                          label={t("users.revokeSessions")}
                          onClick={() => ask("revokeSessions", user)}
                        >
                          <LogOut className="size-4" aria-hidden />
                        </IconButton>
                      </>
                    )}
                    {deletable && user.id !== me?.user?.id && (
                      <IconButton label={t("action.delete")} onClick={() => ask("delete", user)}>
                        <Trash2 className="size-4 text-red-600" aria-hidden />
                      </IconButton>
                    )}
                  </Td>
                )}
              </tr>
            ))}
          </Table>
        )}
      </ListResults>

      <UserFormDialog
        open={editing !== undefined}
        user={editing === "new" ? undefined : editing}
        departments={departmentList}
        roles={roles.data ?? []}
        onClose={() => setEditing(undefined)}
        onCreated={(created) =>
          created.temporaryPassword &&
          setSecret({
            title: t("users.createdTitle"),
            username: created.username,
            password: created.temporaryPassword,
          })
        }
      />
      <OneTimePasswordDialog
        title={secret?.title ?? ""}
        username={secret?.username ?? ""}
        password={secret?.password}
        onClose={() => setSecret(undefined)}
      />
      <ConfirmDialog
        open={pending !== undefined}
        title={pending ? `${t(confirmKeys[pending.kind][0])}: ${pending.user.username}` : ""}
        message={pending ? t(confirmKeys[pending.kind][1], { username: pending.user.username }) : ""}
        busy={act.isPending}
        error={act.error}
        onConfirm={() => pending && act.mutate(pending)}
        onClose={() => setPending(undefined)}
      />
    </>
  );
}
