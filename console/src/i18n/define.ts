export const LANGUAGES = ["en", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

/** One area's messages: the Chinese table must have exactly the English keys (checked by the compiler). */
export function defineMessages<const T extends Record<string, string>>(messages: {
  en: T;
  "zh-CN": { [K in keyof T]: string };
}) {
  return messages;
}
