import { createRoute } from "@tanstack/react-router";
import { ChangePasswordPage } from "../pages/auth/ChangePassword";
import { LoginPage } from "../pages/auth/Login";
import { TwoFactorSetupPage } from "../pages/auth/TwoFactorSetup";
import { rootRoute } from "./root";

/** Where to go once signed in: a path inside the console only ("//host" would leave it). */
const nextPath = (value: unknown): string | undefined =>
  typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : undefined;

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): { next?: string; expired?: boolean } => ({
    next: nextPath(search.next),
    expired: search.expired === true || search.expired === "true" ? true : undefined,
  }),
  component: LoginPage,
});

export const changePasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/change-password",
  validateSearch: (search: Record<string, unknown>): { next?: string } => ({
    next: nextPath(search.next),
  }),
  component: ChangePasswordPage,
});

export const twoFactorSetupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/two-factor-setup",
  component: TwoFactorSetupPage,
});

export const authRoutes = [loginRoute, changePasswordRoute, twoFactorSetupRoute];
