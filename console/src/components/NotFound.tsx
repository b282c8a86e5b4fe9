import { Link } from "@tanstack/react-router";
import { useI18n } from "../i18n";
import { EmptyState } from "./ui";

export function NotFound() {
  const { t } = useI18n();
  return (
    <div className="p-6">
      <EmptyState
        title={t("common.notFound")}
        action={
          <Link to="/" className="text-indigo-600 underline">
            {t("nav.dashboard")}
          </Link>
        }
      />
    </div>
  );
}
