import { useI18n } from "../../i18n";

type Block = { type: string; [key: string]: unknown };

export function JsonView({ value, testId }: { value: unknown; testId?: string }) {
  return (
    <pre
      data-testid={testId}
      className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 text-xs whitespace-pre-wrap break-all dark:bg-slate-950"
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

const dataUrl = (mimeType: unknown, data: unknown) => `data:${String(mimeType)};base64,${String(data)}`;

/** MCP content blocks (tool results, prompt messages) the way a person reads them. */
export function ContentView({ blocks }: { blocks: Block[] }) {
  const { t } = useI18n();
  return (
    <div className="space-y-2">
      {blocks.map((block, index) => {
        const key = `${block.type}-${index}`;
        switch (block.type) {
          case "text":
            return (
              <pre
                key={key}
                className="rounded-md bg-slate-100 p-3 text-sm whitespace-pre-wrap dark:bg-slate-950"
              >
                {String(block.text)}
              </pre>
            );
          case "image":
            return (
              <img
                key={key}
                src={dataUrl(block.mimeType, block.data)}
                alt={t("inspector.image")}
                className="max-h-64 rounded border border-slate-200 dark:border-slate-700"
              />
            );
          case "audio":
            // biome-ignore lint/a11y/useMediaCaption: tool output has no captions to offer
            return <audio key={key} controls src={dataUrl(block.mimeType, block.data)} />;
          case "resource":
            return <ResourceContents key={key} contents={[block.resource as Record<string, unknown>]} />;
          default:
            return <JsonView key={key} value={block} />;
        }
      })}
    </div>
  );
}

/** The contents of a read resource (or an embedded one): text as text, images shown, other blobs sized. */
export function ResourceContents({ contents }: { contents: Record<string, unknown>[] }) {
  const { t } = useI18n();
  return (
    <div className="space-y-2">
      {contents.map((item, index) => {
        const mime = typeof item.mimeType === "string" ? item.mimeType : "";
        return (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: contents are shown in the order the server sent
            key={`${String(item.uri)}-${index}`}
            className="rounded-md border border-slate-200 p-2 dark:border-slate-700"
          >
            <p className="mb-1 font-mono text-xs text-slate-500">
              {String(item.uri)} {mime && `· ${mime}`}
            </p>
            {typeof item.text === "string" ? (
              <pre className="text-sm whitespace-pre-wrap break-all">{item.text}</pre>
            ) : typeof item.blob === "string" && mime.startsWith("image/") ? (
              <img src={dataUrl(mime, item.blob)} alt={String(item.uri)} className="max-h-64" />
            ) : (
              <p className="text-sm">
                {t("inspector.binary", { size: Math.floor((String(item.blob ?? "").length * 3) / 4) })}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
