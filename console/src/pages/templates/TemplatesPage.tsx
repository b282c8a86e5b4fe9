import { useMutation, useQueryClient } from "@tanstack/react-query";
import { FileUp, Pencil, Play, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { ButtonLink } from "../../components/ButtonLink";
import { ListResults } from "../../components/ListPage";
import { Badge, Button, ConfirmDialog, EmptyState, PageHeader, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useSession } from "../../lib/session";
import { ImportRegistryDialog } from "./ImportRegistryDialog";
import { InstantiateDialog } from "./InstantiateDialog";
import { describeInstance, type Template } from "./model";
import { SearchBar, useSourceList } from "./SearchBar";

/** Templates in the caller's scope: search, create, edit, delete, import, and make instances. */
export function TemplatesPage() {
  const { t, language } = useI18n();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const source = useSourceList<Template>("/templates");
  const { list } = source;
  const [instantiating, setInstantiating] = useState<Template>();
  const [deleting, setDeleting] = useState<Template>();
  const [importing, setImporting] = useState(false);
  const remove = useMutation({
    mutationFn: (template: Template) => api.delete(`/templates/${template.id}`),
    onSuccess: async () => {
      setDeleting(undefined);
      await queryClient.invalidateQueries({ queryKey: ["templates"] });
    },
  });
  const canWrite = can("template:write");
  const canInstantiate = can("instance:write");
  const newButton = canWrite && (
    <ButtonLink to="/templates/new" variant="primary">
      <Plus className="size-4" aria-hidden /> {t("templates.new")}
    </ButtonLink>
  );

  return (
    <>
      <PageHeader
        title={t("nav.templates")}
        actions={
          canWrite && (
            <>
              <Button onClick={() => setImporting(true)}>
                <FileUp className="size-4" aria-hidden /> {t("templates.import")}
              </Button>
              {newButton}
            </>
          )
        }
      />
      <SearchBar source={source} label={t("templates.search")} />
      <ListResults
        list={list}
        result={source.result}
        empty={
          list.filtered ? (
            <EmptyState title={t("templates.noMatch")} hint={t("templates.noMatchHint")} />
          ) : (
            <EmptyState
              title={t("templates.empty")}
              hint={canWrite ? t("templates.emptyHint") : t("templates.emptyReadOnly")}
              action={newButton}
            />
          )
        }
      >
        {(items) => (
          <Table
            head={[
              t("common.name"),
              t("templates.category"),
              t("variable.title"),
              t("templates.source"),
              t("templates.updated"),
              t("common.actions"),
            ]}
          >
            {items.map((template) => (
              <tr key={template.id} data-testid={`template-${template.name}`}>
                <Td className="min-w-56">
                  <div className="font-medium">{template.title}</div>
                  <div className="font-mono text-xs text-slate-500">{template.name}</div>
                  {template.description && (
                    <div className="mt-1 line-clamp-2 text-xs text-slate-600 dark:text-slate-400">
                      {template.description}
                    </div>
                  )}
                  <div className="mt-1 font-mono text-xs text-slate-500">
                    {describeInstance(template.instance)}
                  </div>
                </Td>
                <Td>
                  <Badge>{template.category}</Badge>
                </Td>
                <Td>
                  <div className="flex max-w-56 flex-wrap gap-1 whitespace-nowrap">
                    {template.variables.length === 0 && <span className="text-slate-500">—</span>}
                    {template.variables.map((v) => (
                      <Badge key={v.name} tone={v.type === "secret" ? "amber" : "blue"}>
                        {v.name}
                      </Badge>
                    ))}
                  </div>
                </Td>
                <Td>{template.source}</Td>
                <Td className="whitespace-nowrap">{formatTime(template.updatedAt, language)}</Td>
                <Td>
                  <div className="flex flex-wrap gap-1">
                    {canInstantiate && (
                      <Button variant="primary" onClick={() => setInstantiating(template)}>
                        <Play className="size-4" aria-hidden /> {t("instantiate.action")}
                      </Button>
                    )}
                    <ButtonLink
                      to="/templates/$id"
                      params={{ id: template.id }}
                      aria-label={t("templates.editNamed", { name: template.name })}
                    >
                      <Pencil className="size-4" aria-hidden />{" "}
                      {canWrite ? t("action.edit") : t("templates.view")}
                    </ButtonLink>
                    {can("template:delete") && (
                      <Button
                        variant="ghost"
                        aria-label={t("templates.deleteNamed", { name: template.name })}
                        onClick={() => {
                          remove.reset();
                          setDeleting(template);
                        }}
                      >
                        <Trash2 className="size-4 text-red-600" aria-hidden />
                      </Button>
                    )}
                  </div>
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </ListResults>
      {instantiating && (
        <InstantiateDialog
          source={instantiating}
          endpoint={`/templates/${instantiating.id}/instances`}
          onClose={() => setInstantiating(undefined)}
        />
      )}
      {importing && <ImportRegistryDialog onClose={() => setImporting(false)} />}
      <ConfirmDialog
        open={Boolean(deleting)}
        title={t("templates.delete")}
        message={t("common.confirmDelete", { name: deleting?.name ?? "" })}
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(undefined)}
      />
    </>
  );
}
