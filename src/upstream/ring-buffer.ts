/** Keeps the last `capacity` lines (stderr, diagnostics) with their timestamps. */
export class RingBuffer {
  private readonly items: { at: number; line: string }[] = [];
  private readonly listeners = new Set<(entry: { at: number; line: string }) => void>();

  constructor(private readonly capacity: number) {}

  push(line: string): void {
    const entry = { at: Date.now(), line: line.length > 4000 ? `${line.slice(0, 4000)}…` : line };
    this.items.push(entry);
    if (this.items.length > this.capacity) this.items.shift();
    for (const listener of this.listeners) listener(entry);
  }

  /** Calls `listener` with every line pushed from now on, until the returned function is called. */
  subscribe(listener: (entry: { at: number; line: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tail(count = this.capacity): string[] {
    return this.items.slice(-count).map((item) => item.line);
  }

  entries(): { at: number; line: string }[] {
    return [...this.items];
  }
}
