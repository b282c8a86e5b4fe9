import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

interface StoredEvent {
  id: string;
  streamId: string;
  seq: number;
  /** Undefined for a priming event: it only gives the client an id to resume from. */
  message?: JSONRPCMessage;
}

/**
 * Resumability for one session's SSE streams: keeps the last `capacity` events; a Last-Event-ID replays the
 * rest of that event's own stream only. Event ids are `<stream>_<seq>` so the stream is known from the id.
 * Synchronous on purpose: events are stored on the hot path, in send order.
 */
export class BoundedEventStore {
  private readonly events: StoredEvent[] = [];
  private seq = 0;

  constructor(private readonly capacity = 512) {}

  store(streamId: string, message?: JSONRPCMessage): string {
    const seq = ++this.seq;
    const id = `${streamId}_${seq}`;
    this.events.push({ id, streamId, seq, message });
    if (this.events.length > this.capacity) this.events.shift();
    return id;
  }

  streamOf(eventId: string): string | undefined {
    return this.find(eventId)?.streamId;
  }

  /** The stored events of the anchor's stream after the anchor, oldest first. */
  after(eventId: string): { id: string; message: JSONRPCMessage }[] {
    const anchor = this.find(eventId);
    if (!anchor) return [];
    const replay: { id: string; message: JSONRPCMessage }[] = [];
    for (const event of this.events) {
      if (event.streamId === anchor.streamId && event.seq > anchor.seq && event.message) {
        replay.push({ id: event.id, message: event.message });
      }
    }
    return replay;
  }

  private find(eventId: string): StoredEvent | undefined {
    // Recent events are the ones clients resume from: search from the end.
    for (let i = this.events.length - 1; i >= 0; i--) {
      if (this.events[i]!.id === eventId) return this.events[i];
    }
    return undefined;
  }
}
