import { createRoute, lazyRouteComponent } from "@tanstack/react-router";
import { oneOf, pageParam, searchText } from "../lib/list-search";
import {
  ACCESS_MODES,
  type AccessMode,
  INSTANCE_SORTS,
  type InstanceSort,
  TRANSPORTS,
  type Transport,
} from "../pages/instances/api";
import { InstanceDetail } from "../pages/instances/InstanceDetail";
import { InstanceList } from "../pages/instances/InstanceList";
import { NewInstance } from "../pages/instances/NewInstance";
import { appRoute } from "./root";

/** The list's filters live in the URL, so that links (the dashboard's) and reloads keep them. */
export type InstanceFilters = {
  q?: string;
  accessMode?: AccessMode;
  transport?: Transport;
  /** One status, or several separated by commas (the dashboard's groups). */
  status?: string;
  enabled?: "true" | "false";
  environment?: string;
  sort?: InstanceSort;
};

function listSearch(search: Record<string, unknown>): InstanceFilters & { page?: number } {
  return {
    q: searchText(search.q),
    accessMode: oneOf(search.accessMode, ACCESS_MODES),
    transport: oneOf(search.transport, TRANSPORTS),
    status: searchText(search.status, 128),
    enabled: oneOf(search.enabled, ["true", "false"] as const),
    environment: searchText(search.environment, 48),
    sort: oneOf(search.sort, INSTANCE_SORTS),
    page: pageParam(search.page),
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
      instance: searchText(search.instance, 64),
    }),
    // The MCP SDK is only needed here: loaded with the page rather than with the console.
    component: lazyRouteComponent(() => import("../pages/inspector/Inspector"), "Inspector"),
  }),
] as const;
