/** Keeps the last `capacity` lines (stderr, diagnostics) with their timestamps. */
export class RingBuffer {
  private readonly items: { at: number; line: string }[] = [];

  constructor(private readonly capacity: number) {}

  push(line: string): void {
    this.items.push({ at: Date.now(), line: line.length > 4000 ? `${line.slice(0, 4000)}…` : line });
    if (this.items.length > this.capacity) this.items.shift();
  }

  tail(count = this.capacity): string[] {
    return this.items.slice(-count).map((item) => item.line);
  }

  entries(): { at: number; line: string }[] {
    return [...this.items];
  }
}
