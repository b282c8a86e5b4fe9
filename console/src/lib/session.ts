import { useQuery } from "@tanstack/react-query";
import { api, setCsrfToken } from "./api";

export interface Me {
  kind: "session" | "api-key" | "admin-token";
  user: {
    id: string;
    username: string;
    displayName: string | null;
    roles: string[];
    mustChangePassword: boolean;
    twoFactorEnabled: boolean;
  } | null;
  username: string;
  permissions: string[];
  csrfToken: string | null;
  twoFactorEnrolmentRequired: boolean;
}

export const meQuery = {
  queryKey: ["me"],
  queryFn: async () => {
    const me = await api.get<Me>("/auth/me");
    setCsrfToken(me.csrfToken);
    return me;
  },
  staleTime: 60_000,
  retry: false,
} as const;

/** The signed-in user and what they may do; the UI hides what the API would refuse. */
export function useSession() {
  const { data } = useQuery(meQuery);
  const permissions = new Set(data?.permissions ?? []);
  return { me: data, can: (permission: string) => permissions.has(permission) };
}
