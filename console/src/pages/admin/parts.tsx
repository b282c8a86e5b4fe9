import type { InputHTMLAttributes, ReactNode } from "react";
import { Button, CopyButton, Dialog, Notice, Select } from "../../components/ui";
import { useI18n } from "../../i18n";
import { type Department, departmentTree } from "./model";

/** Shown instead of a page the caller's roles do not allow reading (the API would refuse it). */
export function Forbidden() {
  const { t } = useI18n();
  return <Notice tone="warn">{t("common.forbidden")}</Notice>;
}

/** The department tree as select options, indented; `exclude` leaves one department out (itself, on a move). */
export function departmentOptions(departments: Department[], exclude?: string): [string, string][] {
  return departmentTree(departments)
    .filter((row) => row.department.id !== exclude)
    .map(({ department, depth }) => [
      department.id,
      `${"\u00a0\u00a0".repeat(depth)}${depth ? "└ " : ""}${department.name}`,
    ]);
}

/** The department tree as an indented select. */
export function DepartmentSelect({
  id,
  departments,
  value,
  onChange,
  emptyLabel,
  exclude,
}: {
  id?: string;
  departments: Department[];
  value: string;
  onChange: (value: string) => void;
  emptyLabel: string;
  exclude?: string;
}) {
  return (
    <Select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{emptyLabel}</option>
      {departmentOptions(departments, exclude).map(([key, text]) => (
        <option key={key} value={key}>
          {text}
        </option>
      ))}
    </Select>
  );
}

export function Checkbox({
  label,
  hint,
  ...rest
}: InputHTMLAttributes<HTMLInputElement> & { label: ReactNode; hint?: string }) {
  return (
    <label
      className="flex items-start gap-2 text-sm has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-60"
      title={hint}
    >
      <input type="checkbox" className="mt-0.5 size-4 accent-indigo-600" {...rest} />
      <span>{label}</span>
    </label>
  );
}

/** A generated password, shown once: the API never returns it again. */
export function OneTimePasswordDialog({
  title,
  username,
  password,
  onClose,
}: {
  title: string;
  username: string;
  password: string | undefined;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog title={title} open={password !== undefined} onClose={onClose}>
      <Notice tone="warn">{t("users.oneTimeHint", { username })}</Notice>
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <code
          data-testid="one-time-password"
          className="min-w-0 flex-1 break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm dark:bg-slate-800"
        >
          {password}
        </code>
        <CopyButton text={password ?? ""} />
      </div>
      <div className="flex justify-end">
        <Button variant="primary" onClick={onClose}>
          {t("users.oneTimeDone")}
        </Button>
      </div>
    </Dialog>
  );
}
