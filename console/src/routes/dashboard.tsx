import { createRoute } from "@tanstack/react-router";
import { DashboardPage } from "../pages/dashboard/Dashboard";
import { appRoute } from "./root";

export const RANGES = ["1h", "24h", "7d"] as const;
export type Range = (typeof RANGES)[number];

export const dashboardRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: "/",
    validateSearch: (search: Record<string, unknown>): { range?: Range; instance?: string } => ({
      range: RANGES.includes(search.range as Range) ? (search.range as Range) : undefined,
      instance: typeof search.instance === "string" && search.instance ? search.instance : undefined,
    }),
    component: DashboardPage,
  }),
] as const;
