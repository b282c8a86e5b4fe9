import { Info, KeyRound, Play } from "lucide-react";
import { useState } from "react";
import { ListResults } from "../../components/ListPage";
import { Badge, Button, EmptyState, PageHeader } from "../../components/ui";
import { useI18n } from "../../i18n";
import { useSession } from "../../lib/session";
import { InstantiateDialog } from "../templates/InstantiateDialog";
import { type CatalogEntry, describeInstance } from "../templates/model";
import { SearchBar, useSourceList } from "../templates/SearchBar";
import { CatalogDetails } from "./CatalogDetails";

/** The built-in catalog of well-known servers: browse, search, read, and make instances. */
export function CatalogPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const source = useSourceList<CatalogEntry>("/catalog");
  const [details, setDetails] = useState<CatalogEntry>();
  const [instantiating, setInstantiating] = useState<CatalogEntry>();
  const canInstantiate = can("instance:write");

  return (
    <>
      <PageHeader title={t("nav.catalog")} />
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">{t("catalog.intro")}</p>
      <SearchBar source={source} label={t("catalog.search")} />
      <ListResults
        list={source.list}
        result={source.result}
        empty={
          <EmptyState
            title={t("catalog.noMatch")}
            hint={t("templates.noMatchHint")}
            action={<Button onClick={source.list.clear}>{t("catalog.clear")}</Button>}
          />
        }
      >
        {(items) => (
          <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
            {items.map((entry) => (
              <li
                key={entry.name}
                data-testid={`catalog-${entry.name}`}
                className="flex flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
              >
                <div className="mb-1 flex items-start justify-between gap-2">
                  <h2 className="font-semibold">{entry.title}</h2>
                  <Badge>{entry.category}</Badge>
                </div>
                <p className="mb-2 flex-1 text-sm text-slate-600 dark:text-slate-400">{entry.description}</p>
                <p className="mb-3 flex flex-wrap items-center gap-1 font-mono text-xs text-slate-500">
                  {describeInstance(entry.instance)}
                  {entry.variables.some((v) => v.type === "secret") && (
                    <span title={t("catalog.needsSecret")} className="inline-flex">
                      <KeyRound className="size-3.5 text-amber-600" aria-label={t("catalog.needsSecret")} />
                    </span>
                  )}
                </p>
                <div className="flex flex-wrap gap-2">
                  <Button
                    onClick={() => setDetails(entry)}
                    aria-label={t("catalog.detailsOf", { name: entry.title })}
                  >
                    <Info className="size-4" aria-hidden /> {t("catalog.details")}
                  </Button>
                  {canInstantiate && (
                    <Button
                      variant="primary"
                      onClick={() => setInstantiating(entry)}
                      aria-label={t("catalog.instantiateOf", { name: entry.title })}
                    >
                      <Play className="size-4" aria-hidden /> {t("instantiate.action")}
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </ListResults>
      {details && (
        <CatalogDetails
          entry={details}
          onClose={() => setDetails(undefined)}
          onInstantiate={
            canInstantiate
              ? () => {
                  setDetails(undefined);
                  setInstantiating(details);
                }
              : undefined
          }
        />
      )}
      {instantiating && (
        <InstantiateDialog
          source={instantiating}
          endpoint={`/catalog/${instantiating.name}/instances`}
          onClose={() => setInstantiating(undefined)}
        />
      )}
    </>
  );
}
