import type { EventStore } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * Resumability for one session's SSE streams: keeps the last `capacity` events; a Last-Event-ID replays the
 * rest of that event's own stream only. Event ids are `<stream>_<seq>` so the stream is known from the id.
 */
export class BoundedEventStore implements EventStore {
  private readonly events: { id: string; streamId: string; seq: number; message: JSONRPCMessage }[] = [];
  private seq = 0;

  constructor(private readonly capacity = 512) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const seq = ++this.seq;
    const id = `${streamId}_${seq}`;
    this.events.push({ id, streamId, seq, message });
    if (this.events.length > this.capacity) this.events.shift();
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.find((event) => event.id === eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const anchor = this.events.find((event) => event.id === lastEventId);
    if (!anchor) throw new Error(`unknown or expired event id ${lastEventId}`);
    for (const event of this.events) {
      if (event.streamId === anchor.streamId && event.seq > anchor.seq) await send(event.id, event.message);
    }
    return anchor.streamId;
  }
}
