import { useMutation, useQuery } from "@tanstack/react-query";
import clsx from "clsx";
import { KeyRound } from "lucide-react";
import { useState } from "react";
import { Button, CopyButton, Dialog, ErrorBanner, Field, Notice, Select, Spinner } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { CLIENTS, type ClientKind, type InstanceView, instanceKeys, path, type Snippet } from "./api";

const CLIENT_NAMES: Record<ClientKind, string> = {
  "claude-desktop": "Claude Desktop",
  cursor: "Cursor",
  vscode: "VS Code",
  "claude-code": "Claude Code",
};
/** Token lifetimes offered, in seconds; 0 for no expiry. */
const EXPIRIES = [30 * 86_400, 90 * 86_400, 365 * 86_400, 0];

/**
 * The configuration to paste into an MCP client. Without a token it has a placeholder; "create a token"
 * mints one for this instance and shows the snippet with it, once.
 */
export function ConnectDialog({
  instance,
  open,
  onClose,
}: {
  instance: InstanceView;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const { can } = useSession();
  const [client, setClient] = useState<ClientKind>("claude-desktop");
  const [expiry, setExpiry] = useState(EXPIRIES[1]!);
  const placeholder = useQuery({
    queryKey: instanceKeys.snippet(instance.name, client),
    queryFn: () => api.get<Snippet>(path(instance.name, "/snippet"), { client }),
    enabled: open,
  });
  const withToken = useMutation({
    mutationFn: () =>
      api.post<Snippet>(path(instance.name, "/snippet"), {
        client,
        createToken: true,
        ...(expiry ? { expiresInSeconds: expiry } : {}),
      }),
  });
  // A token snippet is for the client it was made for; switching clients goes back to the placeholder.
  const minted = withToken.data?.client === client ? withToken.data : undefined;
  const snippet = minted ?? placeholder.data;
  const needsToken = instance.accessMode !== "direct" && !instance.public;
  const close = () => {
    withToken.reset();
    onClose();
  };

  return (
    <Dialog title={t("instances.connectTitle", { name: instance.name })} open={open} onClose={close} wide>
      <fieldset className="mb-4 flex flex-wrap gap-2">
        <legend className="sr-only">{t("instances.client")}</legend>
        {CLIENTS.map((c) => (
          <button
            key={c}
            type="button"
            aria-pressed={c === client}
            onClick={() => setClient(c)}
            className={clsx(
              "rounded-md border px-3 py-1.5 text-sm",
              c === client
                ? "border-indigo-600 bg-indigo-50 font-medium text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200"
                : "border-slate-300 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800",
            )}
          >
            {CLIENT_NAMES[c]}
          </button>
        ))}
      </fieldset>
      <ErrorBanner error={placeholder.error ?? withToken.error} />
      {!snippet ? placeholder.isPending && <Spinner /> : <SnippetView snippet={snippet} />}
      {needsToken && !minted && can("token:write") && (
        <div className="mt-4 flex flex-wrap items-end gap-2 border-t border-slate-200 pt-4 dark:border-slate-800">
          <div className="w-48">
            <Field label={t("instances.tokenExpiry")}>
              {(id) => (
                <Select id={id} value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
                  {EXPIRIES.map((seconds) => (
                    <option key={seconds} value={seconds}>
                      {seconds ? t("instances.days", { n: seconds / 86_400 }) : t("instances.noExpiry")}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          </div>
          <Button variant="primary" busy={withToken.isPending} onClick={() => withToken.mutate()}>
            <KeyRound className="size-4" aria-hidden />
            {t("instances.createToken")}
          </Button>
        </div>
      )}
      {minted && <Notice tone="warn">{t("instances.tokenOnce")}</Notice>}
    </Dialog>
  );
}

function SnippetView({ snippet }: { snippet: Snippet }) {
  const { t } = useI18n();
  const json = JSON.stringify(snippet.json, null, 2);
  return (
    <div className="space-y-3">
      <div>
        <div className="mb-1 flex items-center justify-between gap-2">
          <span className="text-sm">
            {t("instances.snippetFile")} <code className="text-xs">{snippet.file}</code>
          </span>
          <CopyButton text={json} />
        </div>
        <pre
          data-testid="snippet-json"
          className="max-h-72 overflow-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-950"
        >
          {json}
        </pre>
      </div>
      {snippet.command && (
        <div>
          <div className="mb-1 flex items-center justify-between gap-2">
            <span className="text-sm">{t("instances.snippetCommand")}</span>
            <CopyButton text={snippet.command} />
          </div>
          <pre className="overflow-auto rounded-md bg-slate-100 p-3 text-xs whitespace-pre-wrap break-all dark:bg-slate-950">
            {snippet.command}
          </pre>
        </div>
      )}
      {snippet.notes.length > 0 && (
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600 dark:text-slate-400">
          {snippet.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
