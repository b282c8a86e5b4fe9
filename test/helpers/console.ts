/** A browser-like console client: session cookie plus the CSRF header on state-changing requests. */
export class ConsoleClient {
  cookie?: string;
  csrf?: string;

  constructor(private readonly baseUrl: string) {}

  async login(username: string, password: string): Promise<Response> {
    const response = await this.request("POST", "/auth/login", { username, password });
    const setCookie = response.headers.get("set-cookie");
    if (response.status === 200) {
      this.cookie = /^([^;]+)/.exec(setCookie ?? "")?.[1];
      this.csrf = ((await response.clone().json()) as { csrfToken: string }).csrfToken;
    }
    return response;
  }

  request(method: string, path: string, body?: unknown, options: { csrf?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && options.csrf !== false && method !== "GET") headers["x-csrf-token"] = this.csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async json<T = any>(method: string, path: string, body?: unknown, expected = 200): Promise<T> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    if (response.status !== expected) {
      throw new Error(`${method} ${path}: expected ${expected}, got ${response.status} ${text}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/**
 * Has `admin` create a user with a first password, signs them in, and lets them set `newPassword` (the
 * forced first change). Returns their signed-in client.
 */
export async function createSignedInUser(
  admin: ConsoleClient,
  baseUrl: string,
  user: { username: string; roles: string[]; departmentId?: string },
  firstPassword: string,
  newPassword: string,
): Promise<ConsoleClient> {
  await admin.json("POST", "/users", { ...user, password: firstPassword }, 201);
  const client = new ConsoleClient(baseUrl);
  await client.login(user.username, firstPassword);
  await client.json("POST", "/auth/password", { currentPassword: firstPassword, newPassword }, 204);
  return client;
}
