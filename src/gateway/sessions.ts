import type { Relay } from "./relay.js";

export interface GatewaySession {
  id: string;
  instance: string;
  tokenId: string | undefined;
  transport: "streamable-http" | "sse";
  relay: Relay;
  idleTimeoutMs: number;
  startedAt: number;
  lastActivity: number;
  /** Answers the HTTP request with the session's own downstream transport. */
  handle: (...args: any[]) => Promise<void>;
}

/** What the admin API shows of a live session: no relay, no handles. */
export interface SessionSnapshot {
  id: string;
  transport: "streamable-http" | "sse";
  tokenId: string | null;
  startedAt: string;
  lastActivityAt: string;
  pendingRequests: number;
}

/** Downstream sessions of this process, by id; reaps the ones idle beyond their instance's timeout. */
export class SessionRegistry {
  private readonly sessions = new Map<string, GatewaySession>();
  private reaper?: NodeJS.Timeout;

  constructor(private readonly onChange?: (session: GatewaySession, delta: 1 | -1) => void) {}

  add(session: GatewaySession): void {
    this.sessions.set(session.id, session);
    this.onChange?.(session, 1);
  }

  get(id: string): GatewaySession | undefined {
    return this.sessions.get(id);
  }

  remove(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.onChange?.(session, -1);
  }

  get size(): number {
    return this.sessions.size;
  }

  forInstance(name: string): GatewaySession[] {
    return [...this.sessions.values()].filter((s) => s.instance === name);
  }

  /** The live sessions of an instance, oldest first. */
  snapshot(name: string): SessionSnapshot[] {
    return this.forInstance(name)
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((s) => ({
        id: s.id,
        transport: s.transport,
        tokenId: s.tokenId ?? null,
        startedAt: new Date(s.startedAt).toISOString(),
        lastActivityAt: new Date(s.lastActivity).toISOString(),
        pendingRequests: s.relay.pendingRequests,
      }));
  }

  /**
   * Frees a slot at an instance's process cap: ends its least recently active session that has no request
   * in flight and has been idle at least minIdleMs. Returns whether one was ended.
   */
  async evictIdlest(instance: string, now: number, minIdleMs: number): Promise<boolean> {
    const candidates = this.forInstance(instance)
      .filter((s) => s.relay.pendingRequests === 0 && now - s.lastActivity >= minIdleMs)
      .sort((a, b) => a.lastActivity - b.lastActivity);
    if (candidates.length === 0) return false;
    await candidates[0].relay.close();
    return true;
  }

  startReaper(intervalMs = 15_000): void {
    this.reaper = setInterval(() => void this.reapIdle(Date.now()), intervalMs);
    this.reaper.unref();
  }

  async reapIdle(now: number): Promise<number> {
    const idle = [...this.sessions.values()].filter(
      (s) => now - s.lastActivity > s.idleTimeoutMs && s.relay.pendingRequests === 0,
    );
    await Promise.allSettled(idle.map((s) => s.relay.close()));
    return idle.length;
  }

  async closeAll(filter: (session: GatewaySession) => boolean = () => true): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    const closing = [...this.sessions.values()].filter(filter);
    await Promise.allSettled(closing.map((s) => s.relay.close()));
  }

  pendingRequests(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.relay.pendingRequests;
    return total;
  }
}
