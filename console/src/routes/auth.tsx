import { createRoute } from "@tanstack/react-router";
import { ChangePasswordPage } from "../pages/auth/ChangePassword";
import { LoginPage } from "../pages/auth/Login";
import { TwoFactorSetupPage } from "../pages/auth/TwoFactorSetup";
import { rootRoute } from "./root";

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): { next?: string; expired?: boolean } => ({
    next: typeof search.next === "string" && search.next.startsWith("/") ? search.next : undefined,
    expired: search.expired === true || search.expired === "true" ? true : undefined,
  }),
  component: LoginPage,
});

export const changePasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/change-password",
  component: ChangePasswordPage,
});

export const twoFactorSetupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/two-factor-setup",
  component: TwoFactorSetupPage,
});

export const authRoutes = [loginRoute, changePasswordRoute, twoFactorSetupRoute];
