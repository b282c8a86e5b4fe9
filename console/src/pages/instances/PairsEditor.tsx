import { Plus, Trash2 } from "lucide-react";
import { Button, Input } from "../../components/ui";
import { useI18n } from "../../i18n";
import { SECRET_MASK } from "./api";
import type { Pair } from "./form-model";

/**
 * Rows of name and secret value (env vars, headers). Values are write-only: a saved one shows as the mask
 * and keeps its stored value unless replaced.
 */
export function PairsEditor({
  label,
  rows,
  onChange,
  keyPlaceholder,
  error,
}: {
  label: string;
  rows: Pair[];
  onChange: (rows: Pair[]) => void;
  keyPlaceholder: string;
  error?: string;
}) {
  const { t } = useI18n();
  const set = (index: number, patch: Partial<Pair>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset className="space-y-2">
      <legend className="mb-1 text-sm font-medium">{label}</legend>
      {rows.map((row, index) => {
        const masked = row.value === SECRET_MASK;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
          <div key={index} className="flex flex-wrap gap-2 sm:flex-nowrap">
            <Input
              aria-label={`${label} ${index + 1}: ${t("instances.pairName")}`}
              value={row.key}
              placeholder={keyPlaceholder}
              onChange={(e) => set(index, { key: e.target.value })}
              className="font-mono sm:w-2/5"
            />
            <Input
              aria-label={`${label} ${index + 1}: ${t("instances.pairValue")}`}
              type="password"
              autoComplete="off"
              value={row.value}
              placeholder={masked ? "" : t("instances.pairValue")}
              title={masked ? t("instances.secretKept") : undefined}
              // Focusing a saved value empties it for a new one; leaving it empty restores the mask.
              onFocus={() => masked && set(index, { value: "", saved: true })}
              onBlur={(e) => row.saved && e.target.value === "" && set(index, { value: SECRET_MASK })}
              onChange={(e) => set(index, { value: e.target.value })}
              className="font-mono"
            />
            <Button
              variant="ghost"
              aria-label={`${t("action.delete")} ${row.key || index + 1}`}
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
            >
              <Trash2 className="size-4" aria-hidden />
            </Button>
          </div>
        );
      })}
      <Button onClick={() => onChange([...rows, { key: "", value: "" }])}>
        <Plus className="size-4" aria-hidden />
        {t("instances.addRow")}
      </Button>
      {error && (
        <p className="text-xs text-red-600 dark:text-red-400" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
