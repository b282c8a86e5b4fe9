import { Badge, Button, Dialog, Table, Td } from "../../components/ui";
import { useI18n } from "../../i18n";
import { type CatalogEntry, describeInstance } from "../templates/model";

/** A catalog entry in full: its variables and the instance definition it fills them into. */
export function CatalogDetails({
  entry,
  onClose,
  onInstantiate,
}: {
  entry: CatalogEntry;
  onClose: () => void;
  /** Absent when the caller may not create instances. */
  onInstantiate?: () => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog title={entry.title} open onClose={onClose} wide>
      <div className="space-y-4 text-sm">
        <p className="flex flex-wrap items-center gap-2">
          <Badge>{entry.category}</Badge>
          <span className="font-mono text-xs text-slate-500">{entry.name}</span>
        </p>
        <p>{entry.description}</p>
        <section>
          <h3 className="mb-2 font-semibold">{t("variable.title")}</h3>
          {entry.variables.length === 0 ? (
            <p className="text-slate-500">{t("instantiate.noVariables")}</p>
          ) : (
            <Table
              head={[t("variable.name"), t("variable.type"), t("common.required"), t("common.description")]}
            >
              {entry.variables.map((v) => (
                <tr key={v.name}>
                  <Td className="font-mono">{v.name}</Td>
                  <Td>
                    <Badge tone={v.type === "secret" ? "amber" : "slate"}>
                      {t(`variable.type.${v.type}`)}
                    </Badge>
                  </Td>
                  <Td>{v.required ? t("common.yes") : t("common.no")}</Td>
                  <Td>
                    {v.description}
                    {v.default !== undefined && (
                      <span className="block text-xs text-slate-500">
                        {t("variable.defaultIs", { value: String(v.default) })}
                      </span>
                    )}
                  </Td>
                </tr>
              ))}
            </Table>
          )}
        </section>
        <section>
          <h3 className="mb-2 font-semibold">{t("definition.title")}</h3>
          <p className="mb-2 font-mono text-xs text-slate-500">{describeInstance(entry.instance)}</p>
          <pre className="max-h-64 overflow-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-800">
            {JSON.stringify(entry.instance, null, 2)}
          </pre>
        </section>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{t("action.close")}</Button>
          {onInstantiate && (
            <Button variant="primary" onClick={onInstantiate}>
              {t("instantiate.action")}
            </Button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
