import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, Search } from "lucide-react";
import { useState } from "react";
import {
  Badge,
  Button,
  ConfirmDialog,
  EmptyState,
  ErrorBanner,
  Input,
  PageHeader,
  Pager,
  Select,
  Spinner,
  Table,
  Td,
} from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useSession } from "../../lib/session";
import type { ListPage } from "../templates/model";
import { PAGE_SIZE, useDebounced, usePageFor } from "../templates/SearchBar";
import { CreateTokenDialog } from "./CreateTokenDialog";
import { type Token, tokenStatus } from "./model";
import { TokenSecretDialog } from "./TokenSecretDialog";

const SORTS = ["-createdAt", "name", "-lastUsedAt", "-useCount"] as const;
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
  const [q, setQ] = useState("");
  const [instance, setInstance] = useState("");
  const [status, setStatus] = useState<"" | "true" | "false">("");
  const [sort, setSort] = useState<(typeof SORTS)[number]>("-createdAt");
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Token & { secret: string }>();
  const [revoking, setRevoking] = useState<Token>();
  const search = useDebounced(q.trim());
  const [page, setPage] = usePageFor([search, instance, status, sort]);

  const tokens = useQuery({
    queryKey: ["tokens", { search, instance, status, sort, page }],
    queryFn: () =>
      api.get<ListPage<Token>>("/tokens", {
        q: search,
        instance,
        active: status,
        sort,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      }),
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
  const canCreate = can("token:write");
  const filtered = Boolean(search || instance || status);

  return (
    <>
      <PageHeader
        title={t("nav.tokens")}
        actions={
          canCreate && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <Plus className="size-4" aria-hidden /> {t("tokens.create")}
            </Button>
          )
        }
      />
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">{t("tokens.intro")}</p>
      <div className="mb-3 flex flex-wrap gap-2">
        <div className="relative min-w-48 flex-1">
          <Search className="absolute top-2 left-2.5 size-4 text-slate-400" aria-hidden />
          <Input
            type="search"
            className="pl-8"
            aria-label={t("tokens.search")}
            placeholder={t("tokens.search")}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
        </div>
        <div className="w-full sm:w-44">
          <Select
            aria-label={t("tokens.filterInstance")}
            value={instance}
            onChange={(e) => setInstance(e.target.value)}
          >
            <option value="">{t("tokens.anyInstance")}</option>
            {instances.data?.items.map((i) => (
              <option key={i.name} value={i.name}>
                {i.name}
              </option>
            ))}
          </Select>
        </div>
        <div className="w-full sm:w-44">
          <Select
            aria-label={t("common.status")}
            value={status}
            onChange={(e) => setStatus(e.target.value as typeof status)}
          >
            <option value="">{t("common.all")}</option>
            <option value="true">{t("tokens.notRevoked")}</option>
            <option value="false">{t("tokens.status.revoked")}</option>
          </Select>
        </div>
        <div className="w-full sm:w-44">
          <Select
            aria-label={t("tokens.sort")}
            value={sort}
            onChange={(e) => setSort(e.target.value as typeof sort)}
          >
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`tokens.sort.${s}`)}
              </option>
            ))}
          </Select>
        </div>
      </div>
      <ErrorBanner error={tokens.error} />
      {tokens.isPending ? (
        <Spinner />
      ) : tokens.data && tokens.data.total === 0 ? (
        <EmptyState
          title={filtered ? t("tokens.noMatch") : t("tokens.empty")}
          hint={filtered ? undefined : t("tokens.emptyHint")}
          action={
            !filtered &&
            canCreate && (
              <Button variant="primary" onClick={() => setCreating(true)}>
                <Plus className="size-4" aria-hidden /> {t("tokens.create")}
              </Button>
            )
          }
        />
      ) : (
        tokens.data && (
          <>
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
              {tokens.data.items.map((token) => {
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
            <Pager page={page} pageSize={PAGE_SIZE} total={tokens.data.total} onPage={setPage} />
          </>
        )
      )}
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
