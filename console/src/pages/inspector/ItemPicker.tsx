import clsx from "clsx";
import { RefreshCw } from "lucide-react";
import { Button, ErrorBanner, Spinner } from "../../components/ui";
import { useI18n } from "../../i18n";

/** The list beside a panel: tools, resources or prompts to pick from. */
export function ItemPicker({
  label,
  items,
  selected,
  onSelect,
  loading,
  error,
  onRefresh,
}: {
  label: string;
  items: { id: string; title: string; subtitle?: string }[];
  selected: string | null;
  onSelect: (id: string) => void;
  loading: boolean;
  error: unknown;
  onRefresh: () => void;
}) {
  const { t } = useI18n();
  return (
    <nav aria-label={label} className="min-w-0">
      <div className="mb-2 flex items-center justify-between">
        <span className="text-sm font-medium">
          {label} {!loading && `(${items.length})`}
        </span>
        <Button variant="ghost" onClick={onRefresh} aria-label={`${t("action.refresh")} ${label}`}>
          <RefreshCw className="size-4" aria-hidden />
        </Button>
      </div>
      <ErrorBanner error={error} />
      {loading ? (
        <Spinner />
      ) : items.length === 0 ? (
        <p className="text-sm text-slate-500">{t("common.none")}</p>
      ) : (
        <ul className="max-h-[28rem] space-y-0.5 overflow-y-auto">
          {items.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                onClick={() => onSelect(item.id)}
                aria-current={item.id === selected ? "true" : undefined}
                className={clsx(
                  "w-full truncate rounded px-2 py-1 text-left font-mono text-xs",
                  item.id === selected
                    ? "bg-indigo-100 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100"
                    : "hover:bg-slate-100 dark:hover:bg-slate-800",
                )}
              >
                {item.title}
                {item.subtitle && item.subtitle !== item.title && (
                  <span className="block truncate font-sans text-slate-500">{item.subtitle}</span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
