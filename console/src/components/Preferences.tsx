import { Languages, Moon, Sun, SunMoon } from "lucide-react";
import { type Language, useI18n } from "../i18n";
import { LANGUAGES } from "../i18n/define";
import { type Theme, useTheme } from "../lib/theme";

const LANGUAGE_NAMES: Record<Language, string> = { en: "English", "zh-CN": "简体中文" };

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className="inline-flex items-center gap-1 text-sm">
      <Languages className="size-4" aria-hidden />
      <span className="sr-only">{t("language.label")}</span>
      <select
        aria-label={t("language.label")}
        className="rounded border border-slate-300 bg-transparent px-1 py-0.5 dark:border-slate-600"
        value={language}
        onChange={(e) => setLanguage(e.target.value as Language)}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const ICONS = { system: SunMoon, light: Sun, dark: Moon };

export function ThemeSwitch() {
  const { t } = useI18n();
  const { theme, setTheme } = useTheme();
  const Icon = ICONS[theme];
  return (
    <button
      type="button"
      className="inline-flex items-center gap-1 rounded px-2 py-1 text-sm hover:bg-slate-200 dark:hover:bg-slate-800"
      onClick={() => setTheme(NEXT[theme])}
      aria-label={`${t("theme.label")}: ${t(`theme.${theme}`)}`}
      title={`${t("theme.label")}: ${t(`theme.${theme}`)}`}
    >
      <Icon className="size-4" aria-hidden />
      <span className="hidden sm:inline">{t(`theme.${theme}`)}</span>
    </button>
  );
}
