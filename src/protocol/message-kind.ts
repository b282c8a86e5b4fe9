import {
  type JSONRPCErrorResponse,
  JSONRPCErrorResponseSchema,
  type JSONRPCMessage,
  type JSONRPCNotification,
  JSONRPCNotificationSchema,
  type JSONRPCRequest,
  JSONRPCRequestSchema,
  type JSONRPCResultResponse,
  JSONRPCResultResponseSchema,
} from "@modelcontextprotocol/sdk/types.js";

// Kinds of messages that were validated against the SDK's JSONRPCMessageSchema where they entered MCPBox
// (HTTP bodies, stdio lines, the SDK's client transports). The SDK's own `isJSONRPC*` guards run a zod
// parse on every call, which showed up in the gateway's profile; after validation the shape decides.

export const isRequest = (m: JSONRPCMessage): m is JSONRPCRequest => "method" in m && "id" in m;

export const isNotification = (m: JSONRPCMessage): m is JSONRPCNotification => "method" in m && !("id" in m);

export const isResult = (m: JSONRPCMessage): m is JSONRPCResultResponse => "result" in m && !("method" in m);

export const isError = (m: JSONRPCMessage): m is JSONRPCErrorResponse => "error" in m && !("method" in m);

export const isResponse = (m: JSONRPCMessage): m is JSONRPCResultResponse | JSONRPCErrorResponse =>
  !("method" in m);

/**
 * Validates an untrusted value as one JSON-RPC message with the SDK's schema for its shape. Same verdict as
 * `JSONRPCMessageSchema.safeParse`, without trying (and failing) every member of the union first.
 */
export function parseMessage(value: unknown): JSONRPCMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const schema =
    "method" in value
      ? "id" in value
        ? JSONRPCRequestSchema
        : JSONRPCNotificationSchema
      : "error" in value
        ? JSONRPCErrorResponseSchema
        : JSONRPCResultResponseSchema;
  // The value itself, not zod's copy: a gateway relays messages verbatim.
  return schema.safeParse(value).success ? (value as JSONRPCMessage) : undefined;
}
