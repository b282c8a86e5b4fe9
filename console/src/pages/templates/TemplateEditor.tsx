import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { ArrowLeft } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Button, Card, ErrorBanner, Field, Input, PageHeader, Spinner, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { EMPTY_DEFINITION, InstanceDefinitionEditor } from "./InstanceDefinitionEditor";
import type { Template } from "./model";
import { draftOf, type VariableDraft, VariablesEditor, variableOf } from "./VariablesEditor";

/** The template form; `template` is the one being edited, or none for a new one. */
function TemplateForm({ template }: { template?: Template }) {
  const { t } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(template?.name ?? "");
  const [title, setTitle] = useState(template?.title ?? "");
  const [category, setCategory] = useState(template?.category ?? "other");
  const [description, setDescription] = useState(template?.description ?? "");
  const [drafts, setDrafts] = useState<VariableDraft[]>(() => (template?.variables ?? []).map(draftOf));
  const [definition, setDefinition] = useState(template?.instance ?? EMPTY_DEFINITION);
  const [definitionValid, setDefinitionValid] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!definitionValid) return;
    setBusy(true);
    setError(undefined);
    const body = {
      name: name.trim(),
      title: title.trim(),
      description: description.trim(),
      category: category.trim() || "other",
      variables: drafts.map(variableOf),
      instance: definition,
    };
    try {
      if (template) await api.patch(`/templates/${template.id}`, body);
      else await api.post("/templates", body);
      await queryClient.invalidateQueries({ queryKey: ["templates"] });
      await navigate({ to: "/templates" });
    } catch (caught) {
      setError(caught);
      window.scrollTo({ top: 0 });
    } finally {
      setBusy(false);
    }
  };

  const readOnly = !can("template:write");
  return (
    <form onSubmit={submit} className="space-y-4">
      <ErrorBanner error={error} />
      <Card title={t("templates.general")}>
        <fieldset disabled={readOnly} className="grid gap-3 sm:grid-cols-2">
          <Field label={t("common.name")} hint={t("templates.nameHint")}>
            {(id) => (
              <Input
                id={id}
                className="font-mono"
                value={name}
                autoComplete="off"
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Field label={t("templates.titleField")}>
            {(id) => <Input id={id} value={title} onChange={(e) => setTitle(e.target.value)} />}
          </Field>
          <Field label={t("templates.category")}>
            {(id) => <Input id={id} value={category} onChange={(e) => setCategory(e.target.value)} />}
          </Field>
          <div className="sm:col-span-2">
            <Field label={t("common.description")}>
              {(id) => (
                <Textarea
                  id={id}
                  rows={2}
                  className="font-sans"
                  value={description}
                  onChange={(e) => setDescription(e.target.value)}
                />
              )}
            </Field>
          </div>
        </fieldset>
      </Card>
      <Card title={t("variable.title")}>
        <fieldset disabled={readOnly}>
          <VariablesEditor drafts={drafts} onChange={setDrafts} />
        </fieldset>
      </Card>
      <Card title={t("definition.title")}>
        <fieldset disabled={readOnly}>
          <InstanceDefinitionEditor
            definition={definition}
            onChange={(next) => {
              setDefinitionValid(next !== null);
              if (next) setDefinition(next);
            }}
          />
        </fieldset>
      </Card>
      <div className="flex justify-end gap-2">
        <Link
          to="/templates"
          className="rounded-md px-3 py-1.5 text-sm hover:bg-slate-200 dark:hover:bg-slate-800"
        >
          {t("action.cancel")}
        </Link>
        {!readOnly && (
          <Button type="submit" variant="primary" busy={busy} disabled={!definitionValid}>
            {template ? t("action.save") : t("action.create")}
          </Button>
        )}
      </div>
    </form>
  );
}

function BackLink() {
  const { t } = useI18n();
  return (
    <Link to="/templates" className="inline-flex items-center gap-1 text-sm text-indigo-600 hover:underline">
      <ArrowLeft className="size-4" aria-hidden /> {t("nav.templates")}
    </Link>
  );
}

export function NewTemplatePage() {
  const { t } = useI18n();
  return (
    <>
      <BackLink />
      <PageHeader title={t("templates.new")} />
      <TemplateForm />
    </>
  );
}

export function EditTemplatePage() {
  const { t } = useI18n();
  const { id } = useParams({ strict: false }) as { id: string };
  const template = useQuery({
    queryKey: ["templates", "one", id],
    queryFn: () => api.get<Template>(`/templates/${id}`),
  });
  return (
    <>
      <BackLink />
      <PageHeader
        title={template.data ? t("templates.editing", { name: template.data.title }) : t("templates.edit")}
      />
      <ErrorBanner error={template.error} />
      {template.isPending ? (
        <Spinner />
      ) : (
        template.data && <TemplateForm key={template.data.updatedAt} template={template.data} />
      )}
    </>
  );
}
