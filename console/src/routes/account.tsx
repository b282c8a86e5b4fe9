import { createRoute } from "@tanstack/react-router";
import { AccountPage } from "../pages/account/Account";
import { appRoute } from "./root";

export const accountRoutes = [
  createRoute({ getParentRoute: () => appRoute, path: "/account", component: AccountPage }),
] as const;
