import pino, { type Logger } from "pino";

export type { Logger };

/** Paths whose values never reach a log line: credentials in requests and in instance definitions. */
const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "*.headers.authorization",
  "*.env",
  "*.headers",
  "token",
  "secret",
  "password",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.secret",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
}
