import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { Badge, Button, Card, ErrorBanner, PageHeader, Spinner, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api, setCsrfToken } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useSession } from "../../lib/session";

interface LiveSession {
  id: string;
  current: boolean;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** The signed-in user's own sessions, password and second factor. */
export function AccountPage() {
  const { t, language } = useI18n();
  const { me } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: ["auth", "sessions"],
    queryFn: () => api.get<{ items: LiveSession[] }>("/auth/sessions"),
  });
  const revokeAll = useMutation({
    mutationFn: () => api.post("/auth/sessions/revoke-all"),
    onSuccess: async () => {
      setCsrfToken(null);
      queryClient.clear();
      await navigate({ to: "/login" });
    },
  });

  return (
    <>
      <PageHeader title={t("nav.account")} />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title={me?.user?.displayName || me?.username}>
          <p className="mb-3 flex flex-wrap gap-1 text-sm">
            {me?.user?.roles.map((role) => (
              <Badge key={role} tone="blue">
                {role}
              </Badge>
            ))}
          </p>
          <p className="mb-3 text-sm">
            {me?.user?.twoFactorEnabled ? t("twoFactor.enabled") : t("twoFactor.disabled")}
          </p>
          <div className="flex flex-wrap gap-2">
            <Link
              to="/change-password"
              search={{ next: "/account" }}
              className="text-sm text-indigo-600 underline"
            >
              {t("account.changePassword")}
            </Link>
            {!me?.user?.twoFactorEnabled && (
              <Link to="/two-factor-setup" className="text-sm text-indigo-600 underline">
                {t("twoFactor.title")}
              </Link>
            )}
          </div>
        </Card>
        <Card
          title={t("account.sessions")}
          actions={
            <Button variant="danger" busy={revokeAll.isPending} onClick={() => revokeAll.mutate()}>
              {t("account.revokeAll")}
            </Button>
          }
        >
          <ErrorBanner error={sessions.error ?? revokeAll.error} />
          {sessions.isPending ? (
            <Spinner />
          ) : (
            <Table head={["IP", "User agent", t("common.created")]}>
              {sessions.data?.items.map((s) => (
                <tr key={s.id}>
                  <Td>
                    {s.ip} {s.current && <Badge tone="green">{t("account.current")}</Badge>}
                  </Td>
                  <Td className="max-w-48 truncate">{s.userAgent}</Td>
                  <Td>{formatTime(s.createdAt, language)}</Td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
      </div>
    </>
  );
}
