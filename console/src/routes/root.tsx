import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext, createRoute, Outlet, redirect } from "@tanstack/react-router";
import { NotFound } from "../components/NotFound";
import { Shell } from "../components/Shell";
import { ApiError } from "../lib/api";
import { meQuery } from "../lib/session";

export const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
  notFoundComponent: NotFound,
});

/**
 * Every signed-in page sits under this route: no session → the login page (coming back here after), a
 * forced password change or 2FA enrolment → that page first.
 */
export const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  component: Shell,
  beforeLoad: async ({ context, location }) => {
    try {
      const me = await context.queryClient.ensureQueryData(meQuery);
      if (me.user?.mustChangePassword)
        throw redirect({ to: "/change-password", search: { next: location.href } });
      if (me.twoFactorEnrolmentRequired) throw redirect({ to: "/two-factor-setup" });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw redirect({ to: "/login", search: { next: location.href } });
      }
      throw error;
    }
  },
});
