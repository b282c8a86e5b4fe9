import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { setApiLanguage } from "../lib/api";
import { LANGUAGES, type Language } from "./define";
import admin from "./messages/admin";
import common from "./messages/common";
import dashboard from "./messages/dashboard";
import inspector from "./messages/inspector";
import instances from "./messages/instances";
import library from "./messages/library";

const areas = [common, dashboard, instances, inspector, library, admin];
const en = {
  ...common.en,
  ...dashboard.en,
  ...instances.en,
  ...inspector.en,
  ...library.en,
  ...admin.en,
};
export type MessageKey = keyof typeof en;
const tables: Record<Language, Record<string, string>> = {
  en: Object.assign({}, ...areas.map((a) => a.en)),
  "zh-CN": Object.assign({}, ...areas.map((a) => a["zh-CN"])),
};

const STORAGE_KEY = "mcpbox.language";

function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && (LANGUAGES as readonly string[]).includes(saved)) return saved as Language;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

const I18nContext = createContext<{
  language: Language;
  setLanguage(l: Language): void;
  t: Translate;
} | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
    setApiLanguage(language);
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  const t = useCallback<Translate>(
    (key, values) => {
      const template = tables[language][key] ?? tables.en[key] ?? key;
      return values
        ? template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? `{${name}}`))
        : template;
    },
    [language],
  );
  const value = useMemo(() => ({ language, setLanguage, t }), [language, setLanguage, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  const context = useContext(I18nContext);
  if (!context) throw new Error("useI18n outside I18nProvider");
  return context;
}

export type { Language };
