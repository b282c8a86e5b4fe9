import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { Bug, Play, Plug, RotateCcw, Square, Trash2 } from "lucide-react";
import { useState } from "react";
import { ButtonLink } from "../../components/ButtonLink";
import { Button, ConfirmDialog, ErrorBanner } from "../../components/ui";
import { useI18n } from "../../i18n";
import { api } from "../../lib/api";
import { useSession } from "../../lib/session";
import { type InstanceView, instanceKeys, path } from "./api";
import { ConnectDialog } from "./ConnectDialog";

type Operation = "start" | "stop" | "restart" | "delete";
type Confirmed = Exclude<Operation, "start">;

/** Connect, inspect, start/stop/restart and delete, each shown only to those allowed to. */
export function InstanceActions({ instance }: { instance: InstanceView }) {
  const { t } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<Confirmed | null>(null);
  const [connecting, setConnecting] = useState(false);
  const run = useMutation({
    mutationFn: (operation: Operation) =>
      operation === "delete"
        ? api.delete(path(instance.name))
        : api.post(path(instance.name, `/${operation}`)),
    onSuccess: async (_data, operation) => {
      setConfirming(null);
      if (operation === "delete") {
        queryClient.removeQueries({ queryKey: instanceKeys.one(instance.name) });
        await queryClient.invalidateQueries({ queryKey: instanceKeys.all });
        await navigate({ to: "/instances" });
        return;
      }
      await queryClient.invalidateQueries({ queryKey: instanceKeys.one(instance.name) });
      await queryClient.invalidateQueries({ queryKey: instanceKeys.all });
    },
  });
  const ask = (operation: Confirmed) => {
    run.reset();
    setConfirming(operation);
  };
  const busy = (operation: Operation) => run.isPending && run.variables === operation;
  const gatewayReachable = instance.accessMode !== "direct";

  return (
    <>
      <Button onClick={() => setConnecting(true)}>
        <Plug className="size-4" aria-hidden />
        {t("instances.connect")}
      </Button>
      {gatewayReachable && (
        <ButtonLink to="/inspector" search={{ instance: instance.name }}>
          <Bug className="size-4" aria-hidden />
          {t("instances.inspect")}
        </ButtonLink>
      )}
      {can("instance:operate") && gatewayReachable && (
        <>
          {instance.enabled ? (
            <Button onClick={() => ask("stop")} busy={busy("stop")}>
              <Square className="size-4" aria-hidden />
              {t("instances.stop")}
            </Button>
          ) : (
            <Button variant="primary" onClick={() => run.mutate("start")} busy={busy("start")}>
              <Play className="size-4" aria-hidden />
              {t("instances.start")}
            </Button>
          )}
          <Button onClick={() => ask("restart")} busy={busy("restart")} disabled={!instance.enabled}>
            <RotateCcw className="size-4" aria-hidden />
            {t("instances.restart")}
          </Button>
        </>
      )}
      {can("instance:delete") && (
        <Button variant="danger" onClick={() => ask("delete")}>
          <Trash2 className="size-4" aria-hidden />
          {t("action.delete")}
        </Button>
      )}
      {run.error && !confirming && (
        <div className="w-full">
          <ErrorBanner error={run.error} />
        </div>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? t(`instances.confirmTitle.${confirming}`, { name: instance.name }) : ""}
        message={
          confirming === "delete"
            ? t("common.confirmDelete", { name: instance.name })
            : confirming
              ? t(`instances.confirmText.${confirming}`, { sessions: instance.sessions })
              : ""
        }
        busy={run.isPending}
        error={run.error}
        onClose={() => setConfirming(null)}
        onConfirm={() => confirming && run.mutate(confirming)}
      />
      <ConnectDialog instance={instance} open={connecting} onClose={() => setConnecting(false)} />
    </>
  );
}
