import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { Button, ErrorBanner, Field, Input, Notice } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { meQuery } from "../../lib/session";
import { AuthFrame } from "./AuthFrame";

/** The forced first change, and the voluntary one from the account page. */
export function ChangePasswordPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const search = useSearch({ from: "/change-password" });
  const queryClient = useQueryClient();
  const me = useQuery(meQuery);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== repeat) {
      setError(new Error(t("password.mismatch")));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.post("/auth/password", { currentPassword: current, newPassword: next });
      await queryClient.invalidateQueries({ queryKey: ["me"] });
      await navigate({ to: search.next ?? "/" });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title={t("password.title")}>
      {me.data?.user?.mustChangePassword && <Notice tone="warn">{t("password.forced")}</Notice>}
      <ErrorBanner error={error} />
      <form onSubmit={submit} className="space-y-3">
        {(
          [
            ["password.current", current, setCurrent, "current-password"],
            ["password.new", next, setNext, "new-password"],
            ["password.repeat", repeat, setRepeat, "new-password"],
          ] as const
        ).map(([label, value, set, autoComplete]) => (
          <Field key={label} label={t(label)}>
            {(id) => (
              <Input
                id={id}
                type="password"
                autoComplete={autoComplete}
                required
                value={value}
                onChange={(e) => set(e.target.value)}
              />
            )}
          </Field>
        ))}
        <Button type="submit" variant="primary" className="w-full" busy={busy}>
          {t("action.save")}
        </Button>
      </form>
    </AuthFrame>
  );
}
