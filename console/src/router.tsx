import { QueryClient } from "@tanstack/react-query";
import { createRouter } from "@tanstack/react-router";
import { onSessionExpired } from "./lib/api";
import { accountRoutes } from "./routes/account";
import { adminRoutes } from "./routes/admin";
import { authRoutes } from "./routes/auth";
import { dashboardRoutes } from "./routes/dashboard";
import { instanceRoutes } from "./routes/instances";
import { libraryRoutes } from "./routes/library";
import { appRoute, rootRoute } from "./routes/root";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not get better by asking again; a dropped connection might.
      retry: (count, error) => count < 2 && !((error as { status?: number }).status! >= 400),
      refetchOnWindowFocus: true,
    },
  },
});

const routeTree = rootRoute.addChildren([
  ...authRoutes,
  appRoute.addChildren([
    ...dashboardRoutes,
    ...instanceRoutes,
    ...libraryRoutes,
    ...adminRoutes,
    ...accountRoutes,
  ]),
]);

export const router = createRouter({ routeTree, context: { queryClient }, defaultPreload: false });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}

// The server ended the session (timeout, revoked): back to sign-in, then to the same page.
onSessionExpired(() => {
  const here = router.state.location;
  if (here.pathname === "/login") return;
  queryClient.clear();
  void router.navigate({ to: "/login", search: { next: here.href, expired: true } });
});
