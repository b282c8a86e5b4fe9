import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { Badge, Button, Card, ErrorBanner, Field, Table, Td, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";
import { ApiError, api } from "../../lib/api";
import { instanceKeys } from "./api";

interface ImportResult {
  name: string;
  status: "created" | "exists" | "invalid";
  error?: string;
}

const EXAMPLE = `{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"]
    },
    "remote": { "type": "http", "url": "https://example.com/mcp" }
  }
}`;

/** Paste a client's mcpServers document: each entry becomes an instance; the outcome per entry. */
export function ImportForm() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [parseError, setParseError] = useState<string | null>(null);
  const importing = useMutation({
    mutationFn: (document: unknown) => api.post<{ results: ImportResult[] }>("/instances/import", document),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: instanceKeys.all }),
  });
  // "import_failed" carries the per-entry outcome in its details.
  const failed =
    importing.error instanceof ApiError ? (importing.error.details as unknown as ImportResult[]) : undefined;
  const results = importing.data?.results ?? (Array.isArray(failed) ? failed : undefined);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParseError(null);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      setParseError(t("instances.importNotJson", { error: (error as Error).message }));
      return;
    }
    const servers = (document as { mcpServers?: unknown })?.mcpServers;
    if (!servers || typeof servers !== "object" || Array.isArray(servers)) {
      setParseError(t("instances.importNoServers"));
      return;
    }
    importing.mutate({ mcpServers: servers });
  };

  return (
    <form onSubmit={submit} className="space-y-4">
      <Card>
        {/* When no entry could be created the outcome table says why; the banner gives the summary. */}
        <ErrorBanner
          error={importing.error && results ? new Error(importing.error.message) : importing.error}
        />
        <Field
          label={t("instances.importLabel")}
          hint={t("instances.importHint")}
          error={parseError ?? undefined}
        >
          {(id) => (
            <Textarea
              id={id}
              rows={12}
              value={text}
              placeholder={EXAMPLE}
              spellCheck={false}
              onChange={(e) => setText(e.target.value)}
            />
          )}
        </Field>
        <div className="mt-3 flex justify-end">
          <Button type="submit" variant="primary" busy={importing.isPending} disabled={!text.trim()}>
            {t("instances.import")}
          </Button>
        </div>
      </Card>
      {results && (
        <Table head={[t("common.name"), t("common.status"), ""]}>
          {results.map((r) => (
            <tr key={r.name}>
              <Td>
                {r.status === "invalid" ? (
                  r.name
                ) : (
                  <Link to="/instances/$name" params={{ name: r.name }} className="text-indigo-600 underline">
                    {r.name}
                  </Link>
                )}
              </Td>
              <Td>
                <Badge tone={r.status === "created" ? "green" : r.status === "exists" ? "amber" : "red"}>
                  {t(`instances.import.${r.status}`)}
                </Badge>
              </Td>
              <Td className="text-red-700 dark:text-red-300">{r.error}</Td>
            </tr>
          ))}
        </Table>
      )}
    </form>
  );
}
