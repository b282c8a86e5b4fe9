import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useState } from "react";
import { FilterSelect, ListResults, ListToolbar } from "../../components/ListPage";
import { Badge, Button, ConfirmDialog, EmptyState, PageHeader, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useListSearch, useStateStore } from "../../lib/list-search";
import { useSession } from "../../lib/session";
import type { ListPage } from "../templates/model";
import { CreateTokenDialog } from "./CreateTokenDialog";
import { type Token, tokenStatus } from "./model";
import { TokenSecretDialog } from "./TokenSecretDialog";

const SORTS = ["-createdAt", "name", "-lastUsedAt", "-useCount"] as const;
type TokenFilters = {
  q?: string;
  instance?: string;
  active?: "true" | "false";
  sort?: (typeof SORTS)[number];
};
const statusTone = { active: "green", revoked: "red", expired: "amber" } as const;

/** Who owns a token, by name where the caller may read users. */
function useOwnerName() {
  const { t } = useI18n();
  const { me, can } = useSession();
  const users = useQuery({
    queryKey: ["users", "names"],
    queryFn: () => api.get<ListPage<{ id: string; username: string }>>("/users", { limit: 500 }),
    enabled: can("user:read"),
    select: (data) => new Map(data.items.map((u) => [u.id, u.username])),
  });
  return (ownerId: string | null) => {
    if (!ownerId) return t("tokens.system");
    if (ownerId === me?.user?.id) return me.user.username;
    return users.data?.get(ownerId) ?? `${ownerId.slice(0, 8)}…`;
  };
}

/** MCP access tokens in the caller's scope: create (secret shown once), list with usage, revoke. */
export function TokensPage() {
  const { t, language } = useI18n();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const ownerName = useOwnerName();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Token & { secret: string }>();
  const [revoking, setRevoking] = useState<Token>();
  const list = useListSearch(useStateStore<TokenFilters>({ sort: "-createdAt" }));
  const tokens = useQuery({
    queryKey: ["tokens", list.query],
    queryFn: () => api.get<ListPage<Token>>("/tokens", list.query),
    placeholderData: keepPreviousData,
  });
  const instances = useQuery({
    queryKey: ["instances", "names"],
    queryFn: () => api.get<ListPage<{ name: string }>>("/instances", { limit: 500 }),
    enabled: can("instance:read"),
  });
  const revoke = useMutation({
    mutationFn: (token: Token) => api.delete<Token>(`/tokens/${token.id}`),
    onSuccess: async () => {
      setRevoking(undefined);
      await queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const filtered = list.filtered;
  const createButton = can("token:write") && (
    <Button variant="primary" onClick={() => setCreating(true)}>
      <Plus className="size-4" aria-hidden /> {t("tokens.create")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("nav.tokens")} actions={createButton} />
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">{t("tokens.intro")}</p>
      <ListToolbar list={list} label={t("tokens.search")}>
        <FilterSelect
          label={t("tokens.filterInstance")}
          any={t("tokens.anyInstance")}
          options={instances.data?.items.map((i) => i.name) ?? []}
          {...list.bind("instance")}
        />
        <FilterSelect
          label={t("common.status")}
          any={t("common.all")}
          options={[
            ["true", t("tokens.notRevoked")],
            ["false", t("tokens.status.revoked")],
          ]}
          {...list.bind("active")}
        />
        <FilterSelect
          label={t("tokens.sort")}
          options={SORTS.map((s) => [s, t(`tokens.sort.${s}`)])}
          {...list.bind("sort")}
        />
      </ListToolbar>
      <ListResults
        list={list}
        result={tokens}
        empty={
          <EmptyState
            title={filtered ? t("tokens.noMatch") : t("tokens.empty")}
            hint={filtered ? undefined : t("tokens.emptyHint")}
            action={!filtered && createButton}
          />
        }
      >
        {(items) => (
          <Table
            head={[
              t("common.name"),
              t("tokens.scope"),
              t("tokens.owner"),
              t("common.created"),
              t("tokens.lastUsed"),
              t("tokens.uses"),
              t("tokens.expires"),
              t("common.status"),
              t("common.actions"),
            ]}
          >
            {items.map((token) => {
              const state = tokenStatus(token);
              return (
                <tr key={token.id} data-testid={`token-${token.name}`}>
                  <Td className="min-w-40">
                    <div className="font-medium">{token.name}</div>
                    <div className="font-mono text-xs text-slate-500">{token.prefix}…</div>
                  </Td>
                  <Td>
                    <div className="flex max-w-56 flex-wrap gap-1 whitespace-nowrap">
                      {token.admin && <Badge tone="red">{t("tokens.admin")}</Badge>}
                      {token.instances === null ? (
                        <Badge tone="amber">{t("tokens.allInstances")}</Badge>
                      ) : (
                        token.instances.map((name) => (
                          <Badge key={name} tone="blue">
                            {name}
                          </Badge>
                        ))
                      )}
                    </div>
                  </Td>
                  <Td>{ownerName(token.ownerId)}</Td>
                  <Td className="whitespace-nowrap">{formatTime(token.createdAt, language)}</Td>
                  <Td className="whitespace-nowrap">
                    <span data-testid="last-used">
                      {token.lastUsedAt ? formatTime(token.lastUsedAt, language) : t("common.never")}
                    </span>
                  </Td>
                  <Td className="tabular-nums">
                    <span data-testid="use-count">{token.useCount}</span>
                  </Td>
                  <Td className="whitespace-nowrap">
                    {token.expiresAt ? formatTime(token.expiresAt, language) : t("tokens.never")}
                  </Td>
                  <Td>
                    <span data-testid="token-status">
                      <Badge tone={statusTone[state]}>{t(`tokens.status.${state}`)}</Badge>
                    </span>
                  </Td>
                  <Td>
                    {state !== "revoked" && can("token:delete") && (
                      <Button
                        variant="danger"
                        aria-label={t("tokens.revokeNamed", { name: token.name })}
                        onClick={() => {
                          revoke.reset();
                          setRevoking(token);
                        }}
                      >
                        {t("tokens.revoke")}
                      </Button>
                    )}
                  </Td>
                </tr>
              );
            })}
          </Table>
        )}
      </ListResults>
      {creating && (
        <CreateTokenDialog
          onClose={() => setCreating(false)}
          onCreated={(token) => {
            setCreating(false);
            setCreated(token);
          }}
        />
      )}
      {created && <TokenSecretDialog token={created} onClose={() => setCreated(undefined)} />}
      <ConfirmDialog
        open={Boolean(revoking)}
        title={t("tokens.revoke")}
        message={t("tokens.confirmRevoke", { name: revoking?.name ?? "" })}
        busy={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(undefined)}
      />
    </>
  );
}
