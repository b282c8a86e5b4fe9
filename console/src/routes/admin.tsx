import { createRoute } from "@tanstack/react-router";
import { AuditPage } from "../pages/admin/AuditPage";
import { DepartmentsPage } from "../pages/admin/DepartmentsPage";
import { RolesPage } from "../pages/admin/RolesPage";
import { SettingsPage } from "../pages/admin/SettingsPage";
import { UsersPage } from "../pages/admin/UsersPage";
import { appRoute } from "./root";

/** The admin area's pages, under the signed-in frame. */
export const adminRoutes = [
  createRoute({ getParentRoute: () => appRoute, path: "/admin/users", component: UsersPage }),
  createRoute({ getParentRoute: () => appRoute, path: "/admin/roles", component: RolesPage }),
  createRoute({ getParentRoute: () => appRoute, path: "/admin/departments", component: DepartmentsPage }),
  createRoute({ getParentRoute: () => appRoute, path: "/admin/audit", component: AuditPage }),
  createRoute({ getParentRoute: () => appRoute, path: "/admin/settings", component: SettingsPage }),
] as const;
