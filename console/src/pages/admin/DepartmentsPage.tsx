import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Building2, Pencil, Plus, Trash2 } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import {
  Button,
  ConfirmDialog,
  Dialog,
  EmptyState,
  ErrorBanner,
  Field,
  Input,
  PageHeader,
  Spinner,
} from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { formatTime } from "../../lib/format";
import { useSession } from "../../lib/session";
import { type Department, departmentTree, fieldErrors, useDepartments } from "./model";
import { DepartmentSelect, Forbidden } from "./parts";

type Editing = { mode: "create"; parentId: string | null } | { mode: "edit"; department: Department };

/** Creates a department (under a parent) or renames / moves one; the API refuses a cycle. */
function DepartmentDialog({
  editing,
  departments,
  onClose,
}: {
  editing?: Editing;
  departments: Department[];
  onClose: () => void;
}) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [parentId, setParentId] = useState("");
  useEffect(() => {
    if (!editing) return;
    setName(editing.mode === "edit" ? editing.department.name : "");
    setParentId((editing.mode === "edit" ? editing.department.parentId : editing.parentId) ?? "");
  }, [editing]);

  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), parentId: parentId || null };
      return editing?.mode === "edit"
        ? api.patch<Department>(`/departments/${editing.department.id}`, body)
        : api.post<Department>("/departments", body);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["departments"] });
      onClose();
    },
  });
  useEffect(() => {
    if (!editing) save.reset();
  }, [editing, save.reset]);
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Dialog
      title={
        editing?.mode === "edit"
          ? t("departments.editTitle", { name: editing.department.name })
          : t("departments.newTitle")
      }
      open={editing !== undefined}
      onClose={onClose}
    >
      <ErrorBanner error={save.error} />
      <form onSubmit={submit} className="space-y-3">
        <Field label={t("common.name")} error={errors.name}>
          {(id) => (
            <Input id={id} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <Field label={t("departments.parent")} hint={t("departments.parentHint")} error={errors.parentId}>
          {(id) => (
            <DepartmentSelect
              id={id}
              departments={departments}
              value={parentId}
              onChange={setParentId}
              emptyLabel={t("departments.topLevel")}
              exclude={editing?.mode === "edit" ? editing.department.id : undefined}
            />
          )}
        </Field>
        <div className="flex justify-end gap-2 pt-2">
          <Button onClick={onClose}>{t("action.cancel")}</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>
            {editing?.mode === "edit" ? t("action.save") : t("action.create")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** The department tree: create (at the top or below one), rename, move, delete empty ones. */
export function DepartmentsPage() {
  const { t, language } = useI18n();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const readable = can("department:read");
  const departments = useDepartments(readable);
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<Department>();
  const remove = useMutation({
    mutationFn: (department: Department) => api.delete(`/departments/${department.id}`),
    onSuccess: async () => {
      setDeleting(undefined);
      await queryClient.invalidateQueries({ queryKey: ["departments"] });
    },
  });

  if (!readable) return <Forbidden />;
  const writable = can("department:write");
  const deletable = can("department:delete");
  const list = departments.data ?? [];
  const rows = departmentTree(list);
  const hasChildren = new Set(list.map((d) => d.parentId));
  const newTop = writable && (
    <Button variant="primary" onClick={() => setEditing({ mode: "create", parentId: null })}>
      <Plus className="size-4" aria-hidden /> {t("departments.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("nav.departments")} actions={newTop} />
      <ErrorBanner error={departments.error} />
      {departments.isPending ? (
        <Spinner />
      ) : rows.length === 0 ? (
        <EmptyState
          title={t("departments.empty")}
          hint={writable ? t("departments.emptyHint") : undefined}
          action={newTop}
        />
      ) : (
        <ul
          aria-label={t("nav.departments")}
          className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900"
        >
          {rows.map(({ department, depth }) => (
            <li
              key={department.id}
              data-testid={`department-${department.name}`}
              className="flex flex-wrap items-center justify-between gap-2 px-3 py-2"
              style={{ paddingLeft: `${0.75 + depth * 1.5}rem` }}
            >
              <div className="flex min-w-0 items-center gap-2">
                <Building2 className="size-4 shrink-0 text-slate-400" aria-hidden />
                <span className="truncate font-medium">{department.name}</span>
                <span className="hidden text-xs text-slate-500 sm:inline">
                  {formatTime(department.createdAt, language)}
                </span>
              </div>
              <div className="flex shrink-0 gap-1">
                {writable && (
                  <>
                    <Button
                      variant="ghost"
                      className="px-1.5"
                      aria-label={t("departments.addChild", { name: department.name })}
                      title={t("departments.addChild", { name: department.name })}
                      onClick={() => setEditing({ mode: "create", parentId: department.id })}
                    >
                      <Plus className="size-4" aria-hidden />
                    </Button>
                    <Button
                      variant="ghost"
                      className="px-1.5"
                      aria-label={t("departments.edit")}
                      title={t("departments.edit")}
                      onClick={() => setEditing({ mode: "edit", department })}
                    >
                      <Pencil className="size-4" aria-hidden />
                    </Button>
                  </>
                )}
                {deletable && (
                  <Button
                    variant="ghost"
                    className="px-1.5"
                    aria-label={t("action.delete")}
                    title={hasChildren.has(department.id) ? t("departments.hasChildren") : t("action.delete")}
                    onClick={() => {
                      remove.reset();
                      setDeleting(department);
                    }}
                  >
                    <Trash2 className="size-4 text-red-600" aria-hidden />
                  </Button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <DepartmentDialog editing={editing} departments={list} onClose={() => setEditing(undefined)} />
      <ConfirmDialog
        open={deleting !== undefined}
        title={t("departments.deleteTitle")}
        message={t("departments.confirmDelete", { name: deleting?.name ?? "" })}
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(undefined)}
      />
    </>
  );
}
