import { createRoute } from "@tanstack/react-router";
import { CatalogPage } from "../pages/catalog/CatalogPage";
import { EditTemplatePage, NewTemplatePage } from "../pages/templates/TemplateEditor";
import { TemplatesPage } from "../pages/templates/TemplatesPage";
import { TokensPage } from "../pages/tokens/TokensPage";
import { appRoute } from "./root";

/** The library area's pages, under the signed-in frame. */
export const libraryRoutes = [
  createRoute({ getParentRoute: () => appRoute, path: "/templates", component: TemplatesPage }),
  createRoute({ getParentRoute: () => appRoute, path: "/templates/new", component: NewTemplatePage }),
  createRoute({ getParentRoute: () => appRoute, path: "/templates/$id", component: EditTemplatePage }),
  createRoute({ getParentRoute: () => appRoute, path: "/catalog", component: CatalogPage }),
  createRoute({ getParentRoute: () => appRoute, path: "/tokens", component: TokensPage }),
] as const;
