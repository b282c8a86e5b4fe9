/** The admin API client: same-origin session cookie, CSRF header on writes, errors as ApiError. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field-level problems: a request path (validation) or a template variable. */
    readonly details?: { path?: string; variable?: string; message: string }[],
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let language = "en";
const expiredListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setApiLanguage(tag: string): void {
  language = tag;
}

/** Called when the server says the session ended (idle or absolute timeout, revoked, signed out). */
export function onSessionExpired(listener: () => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  options: { query?: Query; signal?: AbortSignal; raw?: BodyInit; contentType?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", "accept-language": language };
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let payload: BodyInit | undefined = options.raw;
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  } else if (options.raw !== undefined) {
    headers["content-type"] = options.contentType ?? "application/octet-stream";
  }
  let response: Response;
  try {
    response = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      headers,
      body: payload,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "network_error", "MCPBox cannot be reached; check the connection");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      data?.error?.code ?? `http_${response.status}`,
      data?.error?.message ?? (response.statusText || `HTTP ${response.status}`),
      data?.error?.details,
    );
    // Only a session that existed and ended; a first visit without one just goes to the login page.
    if (error.code === "session_expired") {
      for (const listener of expiredListeners) listener();
    }
    throw error;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>("GET", path, undefined, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  delete: <T = void>(path: string) => request<T>("DELETE", path),
};

/** A readable sentence for any error the console shows. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.details
      ?.map((d) => {
        const where = d.path || d.variable;
        return where ? `${where}: ${d.message}` : d.message;
      })
      .join("; ");
    return fields ? `${error.message} (${fields})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
