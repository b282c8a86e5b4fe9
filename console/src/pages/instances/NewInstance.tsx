import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { Tabs } from "../../components/Tabs";
import { Notice, PageHeader } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { type InstanceView, instanceKeys } from "./api";
import { ImportForm } from "./ImportForm";
import { InstanceForm } from "./InstanceForm";

/** A new instance from a form, or several from a pasted mcpServers document. */
export function NewInstance() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [tab, setTab] = useState<"form" | "import">("form");
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api.post<InstanceView>("/instances", body),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: instanceKeys.all });
      await navigate({ to: "/instances/$name", params: { name: created.name } });
    },
  });

  return (
    <>
      <PageHeader title={t("instances.new")} />
      <Notice>
        {t("instances.fromLibrary")}{" "}
        <Link to="/templates" className="font-medium underline">
          {t("nav.templates")}
        </Link>
        {" · "}
        <Link to="/catalog" className="font-medium underline">
          {t("nav.catalog")}
        </Link>
      </Notice>
      <Tabs
        label={t("instances.new")}
        value={tab}
        onChange={setTab}
        tabs={[
          { id: "form", label: t("instances.tabForm") },
          { id: "import", label: t("instances.tabImport") },
        ]}
      />
      <div className="max-w-3xl">
        {tab === "form" ? (
          <InstanceForm
            onSubmit={(body) => create.mutate(body)}
            busy={create.isPending}
            error={create.error}
            submitLabel={t("action.create")}
            onCancel={() => navigate({ to: "/instances" })}
          />
        ) : (
          <ImportForm />
        )}
      </div>
    </>
  );
}
