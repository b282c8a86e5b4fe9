import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { Button, ErrorBanner, Field, Input, Notice } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { AuthFrame } from "./AuthFrame";

/** TOTP enrolment: QR code, first code, recovery codes shown once. */
export function TwoFactorSetupPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [enrolment, setEnrolment] = useState<{ otpauthUri: string; qrSvg: string; secret: string }>();
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[]>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const start = () => run(async () => setEnrolment(await api.post("/auth/two-factor/enrol")));
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    return run(async () => {
      const answer = await api.post<{ recoveryCodes: string[] }>("/auth/two-factor/confirm", {
        code: code.trim(),
      });
      setRecovery(answer.recoveryCodes);
    });
  };
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: ["me"] });
    await navigate({ to: "/" });
  };

  return (
    <AuthFrame title={t("twoFactor.title")}>
      <ErrorBanner error={error} />
      {recovery ? (
        <>
          <Notice tone="success">{t("twoFactor.recovery")}</Notice>
          <ul className="mb-4 grid grid-cols-2 gap-1 font-mono text-sm" data-testid="recovery-codes">
            {recovery.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          <Button variant="primary" className="w-full" onClick={done}>
            {t("twoFactor.done")}
          </Button>
        </>
      ) : enrolment ? (
        <form onSubmit={confirm} className="space-y-3">
          <img
            alt="otpauth QR code"
            className="mx-auto size-48 bg-white p-2"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
          />
          <p className="break-all text-center font-mono text-xs" data-testid="totp-secret">
            {enrolment.secret}
          </p>
          <Field label={t("login.code")}>
            {(id) => (
              <Input
                id={id}
                inputMode="numeric"
                required
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" className="w-full" busy={busy}>
            {t("twoFactor.confirm")}
          </Button>
        </form>
      ) : (
        <>
          <p className="mb-4 text-sm">{t("twoFactor.required")}</p>
          <Button variant="primary" className="w-full" busy={busy} onClick={start}>
            {t("twoFactor.start")}
          </Button>
        </>
      )}
    </AuthFrame>
  );
}
