import type { ReactNode } from "react";
import { LanguageSwitch } from "../../components/Preferences";

/** The centred card the sign-in steps share. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="mb-1 text-sm font-semibold tracking-wide text-indigo-600">MCPBox</div>
        <h1 className="mb-4 text-lg font-semibold">{title}</h1>
        {children}
      </div>
      <div className="mt-4">
        <LanguageSwitch />
      </div>
    </main>
  );
}
