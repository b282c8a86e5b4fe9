import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { ACCESS_MODES, type AccessMode, TRANSPORTS, type Transport } from "../pages/instances/api";
import { InstanceDetail } from "../pages/instances/InstanceDetail";
import { InstanceList } from "../pages/instances/InstanceList";
import { NewInstance } from "../pages/instances/NewInstance";
import { appRoute } from "./root";

/** The list's filters live in the URL, so that links (the dashboard's) and reloads keep them. */
export interface InstanceListSearch {
  q?: string;
  accessMode?: AccessMode;
  transport?: Transport;
  status?: string;
  enabled?: "true" | "false";
  environment?: string;
  page?: number;
}

/** A search value as text: the router parses `?q=123` as a number. */
const text = (value: unknown, max = 100) => {
  const raw = typeof value === "number" ? String(value) : value;
  return typeof raw === "string" && raw.trim() ? raw.trim().slice(0, max) : undefined;
};
const oneOf = <T extends string>(value: unknown, allowed: readonly T[]) =>
  allowed.includes(value as T) ? (value as T) : undefined;

function listSearch(search: Record<string, unknown>): InstanceListSearch {
  const page = Number(search.page);
  return {
    q: text(search.q),
    accessMode: oneOf(search.accessMode, ACCESS_MODES),
    transport: oneOf(search.transport, TRANSPORTS),
    status: text(search.status, 32),
    enabled: oneOf(String(search.enabled), ["true", "false"] as const),
    environment: text(search.environment, 48),
    page: Number.isInteger(page) && page > 1 ? page : undefined,
  };
}

/** The instances area's pages, under the signed-in frame. */
export const instanceRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: "/instances",
    validateSearch: listSearch,
    component: InstanceList,
  }),
  createRoute({ getParentRoute: () => appRoute, path: "/instances/new", component: NewInstance }),
  createRoute({ getParentRoute: () => appRoute, path: "/instances/$name", component: InstanceDetail }),
  createRoute({
    getParentRoute: () => appRoute,
    path: "/inspector",
    validateSearch: (search: Record<string, unknown>): { instance?: string } => ({
      instance: text(search.instance, 64),
    }),
    // The MCP SDK is only needed here: loaded with the page rather than with the console.
    component: lazyRouteComponent(() => import("../pages/inspector/Inspector"), "Inspector"),
  }),
] as const;
