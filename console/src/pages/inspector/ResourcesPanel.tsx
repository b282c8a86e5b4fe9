import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Resource, ResourceTemplate } from "@modelcontextprotocol/sdk/types.js";
import { useMutation, useQuery } from "@tanstack/react-query";
import { BookOpen } from "lucide-react";
import { useState } from "react";
import { Button, ErrorBanner, Field, Input } from "../../components/ui";
import { useI18n } from "../../i18n";
import { ResourceContents } from "./ContentView";
import { ItemPicker } from "./ItemPicker";
import { listAll } from "./ToolsPanel";

/** Resources and resource templates: pick one (fill a template's URI) and read it. */
export function ResourcesPanel({ client, session }: { client: Client; session: number }) {
  const { t } = useI18n();
  const resources = useQuery({
    queryKey: ["inspector", session, "resources"],
    queryFn: async () => {
      const [plain, templates] = await Promise.all([
        listAll<Resource>((cursor) => client.listResources(cursor ? { cursor } : undefined), "resources"),
        listAll<ResourceTemplate>(
          (cursor) => client.listResourceTemplates(cursor ? { cursor } : undefined),
          "resourceTemplates",
        ).catch(() => [] as ResourceTemplate[]),
      ]);
      return [
        ...plain.map((r) => ({ id: r.uri, title: r.name, subtitle: r.uri, template: false })),
        ...templates.map((r) => ({
          id: r.uriTemplate,
          title: r.name,
          subtitle: r.uriTemplate,
          template: true,
        })),
      ];
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [uri, setUri] = useState("");
  const read = useMutation({ mutationFn: (target: string) => client.readResource({ uri: target }) });
  const item = resources.data?.find((r) => r.id === selected);
  const pick = (id: string) => {
    setSelected(id);
    setUri(id);
    read.reset();
  };

  return (
    <div className="grid gap-4 md:grid-cols-[16rem_1fr]">
      <ItemPicker
        label={t("instances.resources")}
        loading={resources.isPending}
        error={resources.error}
        onRefresh={() => void resources.refetch()}
        items={resources.data ?? []}
        selected={selected}
        onSelect={pick}
      />
      <div className="min-w-0 space-y-3">
        {!item ? (
          <p className="text-sm text-slate-500">{t("inspector.pickResource")}</p>
        ) : (
          <>
            <h3 className="text-base font-semibold">{item.title}</h3>
            <Field label="URI" hint={item.template ? t("inspector.templateHint") : undefined}>
              {(id) => (
                <Input
                  id={id}
                  className="font-mono"
                  value={uri}
                  readOnly={!item.template}
                  onChange={(e) => setUri(e.target.value)}
                />
              )}
            </Field>
            <Button variant="primary" busy={read.isPending} onClick={() => read.mutate(uri)}>
              <BookOpen className="size-4" aria-hidden />
              {t("inspector.read")}
            </Button>
            <ErrorBanner error={read.error} />
            {read.data && <ResourceContents contents={read.data.contents as Record<string, unknown>[]} />}
          </>
        )}
      </div>
    </div>
  );
}
