import { Button, CopyButton, Dialog, Notice } from "../../components/ui";
import { useI18n } from "../../i18n";
import type { Token } from "./model";

/** The one time a token's secret is shown: copy it now; closing the dialog forgets it. */
export function TokenSecretDialog({
  token,
  onClose,
}: {
  token: Token & { secret: string };
  onClose: () => void;
}) {
  const { t } = useI18n();
  const endpoints = token.instances?.slice(0, 3).map((name) => `${window.location.origin}/mcp/${name}`) ?? [];
  return (
    <Dialog title={t("tokens.createdTitle", { name: token.name })} open onClose={onClose} wide>
      <Notice tone="warn">{t("tokens.onceWarning")}</Notice>
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <code
          data-testid="token-secret"
          className="min-w-0 flex-1 break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm dark:bg-slate-800"
        >
          {token.secret}
        </code>
        <CopyButton text={token.secret} label={t("tokens.copySecret")} />
      </div>
      <p className="mb-1 text-sm">{t("tokens.usage")}</p>
      <pre className="mb-4 overflow-x-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-800">
        {[...endpoints, `Authorization: Bearer ${token.prefix}…`].join("\n")}
      </pre>
      <div className="flex justify-end">
        <Button variant="primary" onClick={onClose}>
          {t("tokens.savedIt")}
        </Button>
      </div>
    </Dialog>
  );
}
