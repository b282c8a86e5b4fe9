import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * A transport whose real upstream is only known after asynchronous work (e.g. starting a container): the
 * work runs in start(), inside the gateway's connect timeout, and everything else is passed through.
 */
export class DeferredTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private inner?: Transport;
  private closed = false;

  constructor(private readonly open: () => Promise<Transport>) {}

  async start(): Promise<void> {
    const inner = await this.open();
    if (this.closed) {
      await inner.close();
      throw new Error("closed while starting");
    }
    this.inner = inner;
    inner.onmessage = (message) => this.onmessage?.(message);
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    await inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (!this.inner) throw new Error("upstream not started");
    return this.inner.send(message, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.inner) await this.inner.close();
    else this.onclose?.();
  }
}
