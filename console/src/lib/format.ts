/** Dates and durations as the console shows them, in the browser's locale and time zone. */
export function formatTime(value: string | Date | null | undefined, language: string): string {
  if (!value) return "—";
  return new Date(value).toLocaleString(language, { dateStyle: "medium", timeStyle: "medium" });
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
