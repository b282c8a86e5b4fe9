import { createRoute } from "@tanstack/react-router";
import { oneOf, searchText } from "../lib/list-search";
import { DashboardPage } from "../pages/dashboard/Dashboard";
import { appRoute } from "./root";

export const RANGES = ["1h", "24h", "7d"] as const;
export type Range = (typeof RANGES)[number];

export const dashboardRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: "/",
    validateSearch: (search: Record<string, unknown>): { range?: Range; instance?: string } => ({
      range: oneOf(search.range, RANGES),
      instance: searchText(search.instance, 64),
    }),
    component: DashboardPage,
  }),
] as const;
