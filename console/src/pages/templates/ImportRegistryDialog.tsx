import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Dialog, ErrorBanner, Field, Input, Notice, Select, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import type { Template } from "./model";

/** Creates templates from an MCP Registry server.json, pasted or fetched by the server from a URL. */
export function ImportRegistryDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [from, setFrom] = useState<"document" | "url">("document");
  const [document, setDocument] = useState("");
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<Template[]>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    let body: { server: unknown } | { url: string };
    if (from === "url") body = { url: url.trim() };
    else {
      try {
        body = { server: JSON.parse(document) };
      } catch {
        setError(new Error(t("definition.invalidJson")));
        return;
      }
    }
    setBusy(true);
    try {
      const answer = await api.post<{ items: Template[] }>("/templates/import-registry", body);
      setCreated(answer.items);
      await queryClient.invalidateQueries({ queryKey: ["templates"] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("templates.import")} open onClose={onClose} wide>
      {created ? (
        <>
          <Notice tone="success">
            {t("templates.imported", { count: created.length })}{" "}
            <span className="font-mono">{created.map((c) => c.name).join(", ")}</span>
          </Notice>
          <div className="flex justify-end">
            <Button variant="primary" onClick={onClose}>
              {t("action.close")}
            </Button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} className="space-y-3">
          <p className="text-sm text-slate-600 dark:text-slate-400">{t("templates.importHint")}</p>
          <ErrorBanner error={error} />
          <Field label={t("templates.importFrom")}>
            {(id) => (
              <Select id={id} value={from} onChange={(e) => setFrom(e.target.value as "document" | "url")}>
                <option value="document">{t("templates.importDocument")}</option>
                <option value="url">{t("templates.importUrl")}</option>
              </Select>
            )}
          </Field>
          {from === "document" ? (
            <Field label="server.json">
              {(id) => (
                <Textarea
                  id={id}
                  rows={12}
                  spellCheck={false}
                  value={document}
                  placeholder='{ "name": "io.github.example/weather", "packages": [ … ] }'
                  onChange={(e) => setDocument(e.target.value)}
                />
              )}
            </Field>
          ) : (
            <Field label="URL">
              {(id) => (
                <Input
                  id={id}
                  type="url"
                  value={url}
                  placeholder="https://example.com/server.json"
                  onChange={(e) => setUrl(e.target.value)}
                />
              )}
            </Field>
          )}
          <div className="flex justify-end gap-2">
            <Button onClick={onClose}>{t("action.cancel")}</Button>
            <Button
              type="submit"
              variant="primary"
              busy={busy}
              disabled={from === "url" ? !url.trim() : !document.trim()}
            >
              {t("templates.importSubmit")}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
