import { useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { Button, ErrorBanner, Field, Input, Notice } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api, setCsrfToken } from "../../lib/api";
import { AuthFrame } from "./AuthFrame";

interface LoginAnswer {
  twoFactorRequired?: boolean;
  challenge?: string;
  csrfToken?: string;
  mustChangePassword?: boolean;
}

export function LoginPage() {
  const { t } = useI18n();
  const search = useSearch({ from: "/login" });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<string>();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const finish = async (answer: LoginAnswer) => {
    if (answer.twoFactorRequired) {
      setChallenge(answer.challenge);
      return;
    }
    setCsrfToken(answer.csrfToken ?? null);
    queryClient.clear();
    if (answer.mustChangePassword) await navigate({ to: "/change-password", search: { next: search.next } });
    else await navigate({ to: search.next ?? "/" });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await finish(
        challenge
          ? await api.post<LoginAnswer>("/auth/login/two-factor", { challenge, code: code.trim() })
          : await api.post<LoginAnswer>("/auth/login", { username, password }),
      );
    } catch (caught) {
      setError(caught);
      if (challenge && (caught as { code?: string }).code === "challenge_expired") setChallenge(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title={t("login.title")}>
      {search.expired && <Notice tone="warn">{t("login.expired")}</Notice>}
      <ErrorBanner error={error} />
      <form onSubmit={submit} className="space-y-3">
        {challenge ? (
          <Field label={t("login.code")} hint={t("login.codeHelp")}>
            {(id) => (
              <Input
                id={id}
                name="code"
                autoComplete="one-time-code"
                inputMode="numeric"
                autoFocus
                required
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            )}
          </Field>
        ) : (
          <>
            <Field label={t("login.username")}>
              {(id) => (
                <Input
                  id={id}
                  name="username"
                  autoComplete="username"
                  autoFocus
                  required
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                />
              )}
            </Field>
            <Field label={t("login.password")}>
              {(id) => (
                <Input
                  id={id}
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
          </>
        )}
        <Button type="submit" variant="primary" className="w-full" busy={busy}>
          {challenge ? t("login.verify") : t("login.submit")}
        </Button>
      </form>
    </AuthFrame>
  );
}
