import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import clsx from "clsx";
import {
  type Activity,
  BookOpen,
  Boxes,
  Bug,
  Building2,
  KeyRound,
  LayoutDashboard,
  Library,
  LogOut,
  Menu,
  ScrollText,
  Settings,
  Shield,
  User,
  Users,
} from "lucide-react";
import { useState } from "react";
import { type MessageKey, useI18n } from "../i18n";
import { api, setCsrfToken } from "../lib/api";
import { useSession } from "../lib/session";
import { LanguageSwitch, ThemeSwitch } from "./Preferences";

interface NavItem {
  to: string;
  label: MessageKey;
  icon: typeof Activity;
  /** Shown only to callers holding this permission. */
  permission?: string;
}

const MAIN: NavItem[] = [
  { to: "/", label: "nav.dashboard", icon: LayoutDashboard, permission: "instance:read" },
  { to: "/instances", label: "nav.instances", icon: Boxes, permission: "instance:read" },
  { to: "/inspector", label: "nav.inspector", icon: Bug, permission: "instance:read" },
  { to: "/templates", label: "nav.templates", icon: BookOpen, permission: "template:read" },
  { to: "/catalog", label: "nav.catalog", icon: Library, permission: "template:read" },
  { to: "/tokens", label: "nav.tokens", icon: KeyRound, permission: "token:read" },
];
const ADMIN: NavItem[] = [
  { to: "/admin/users", label: "nav.users", icon: Users, permission: "user:read" },
  { to: "/admin/roles", label: "nav.roles", icon: Shield, permission: "role:read" },
  { to: "/admin/departments", label: "nav.departments", icon: Building2, permission: "department:read" },
  { to: "/admin/audit", label: "nav.audit", icon: ScrollText, permission: "audit:read" },
  { to: "/admin/settings", label: "nav.settings", icon: Settings, permission: "settings:read" },
];

function NavLinks({ items, onNavigate }: { items: NavItem[]; onNavigate: () => void }) {
  const { t } = useI18n();
  return (
    <>
      {items.map(({ to, label, icon: Icon }) => (
        <Link
          key={to}
          to={to}
          onClick={onNavigate}
          activeOptions={{ exact: to === "/" }}
          className="flex items-center gap-2 rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
          activeProps={{ className: "bg-slate-200 font-medium dark:bg-slate-800", "aria-current": "page" }}
        >
          <Icon className="size-4" aria-hidden />
          {t(label)}
        </Link>
      ))}
    </>
  );
}

/** The signed-in frame: navigation (a drawer on narrow screens), preferences, the user and sign-out. */
export function Shell() {
  const { t } = useI18n();
  const { me, can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const allowed = (items: NavItem[]) => items.filter((i) => !i.permission || can(i.permission));
  const admin = allowed(ADMIN);

  const signOut = async () => {
    await api.post("/auth/logout").catch(() => {});
    setCsrfToken(null);
    queryClient.clear();
    await navigate({ to: "/login" });
  };

  return (
    <div className="min-h-screen md:flex">
      <header className="flex items-center justify-between border-b border-slate-200 px-4 py-2 md:hidden dark:border-slate-800">
        <span className="font-semibold text-indigo-600">MCPBox</span>
        <button
          type="button"
          aria-label={t("nav.menu")}
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          className="rounded p-1 hover:bg-slate-200 dark:hover:bg-slate-800"
        >
          <Menu className="size-5" aria-hidden />
        </button>
      </header>
      <nav
        aria-label={t("nav.menu")}
        className={clsx(
          "w-full shrink-0 flex-col gap-1 border-r border-slate-200 bg-slate-100 p-3 md:flex md:min-h-screen md:w-56 dark:border-slate-800 dark:bg-slate-900",
          open ? "flex" : "hidden",
        )}
      >
        <div className="mb-3 hidden px-3 text-lg font-semibold text-indigo-600 md:block">MCPBox</div>
        <NavLinks items={allowed(MAIN)} onNavigate={() => setOpen(false)} />
        {admin.length > 0 && (
          <>
            <div className="mt-4 px-3 text-xs font-semibold uppercase text-slate-500">{t("nav.admin")}</div>
            <NavLinks items={admin} onNavigate={() => setOpen(false)} />
          </>
        )}
        <div className="mt-4 border-t border-slate-200 pt-3 dark:border-slate-800">
          <NavLinks
            items={[{ to: "/account", label: "nav.account", icon: User }]}
            onNavigate={() => setOpen(false)}
          />
        </div>
      </nav>
      <div className="min-w-0 flex-1">
        <div className="flex items-center justify-end gap-3 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
          <LanguageSwitch />
          <ThemeSwitch />
          <span className="text-sm text-slate-600 dark:text-slate-400" data-testid="current-user">
            {me?.user?.displayName || me?.username}
          </span>
          <button
            type="button"
            onClick={signOut}
            className="inline-flex items-center gap-1 rounded px-2 py-1 text-sm hover:bg-slate-200 dark:hover:bg-slate-800"
          >
            <LogOut className="size-4" aria-hidden />
            {t("action.signOut")}
          </button>
        </div>
        <main className="mx-auto max-w-7xl p-4 md:p-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
