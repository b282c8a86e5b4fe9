/** A thin client for the admin API, used by the CLI commands that act on a running server. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.token) throw new Error("an admin token is required: pass --token or set MCPBOX_TOKEN");
    const response = await fetch(new URL(`/api/v1${path}`, this.baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json().catch(() => ({}))) as {
      error?: { message?: string; details?: unknown };
    };
    if (!response.ok) {
      const details = payload.error?.details ? ` ${JSON.stringify(payload.error.details)}` : "";
      throw new ApiRequestError(
        response.status,
        `${payload.error?.message ?? response.statusText}${details}`,
      );
    }
    return payload as T;
  }
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`HTTP ${status}: ${message}`);
  }
}
