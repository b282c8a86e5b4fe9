import type { ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { type FormEvent, useState } from "react";
import { Button, Dialog, Field, Input, Textarea } from "../../components/ui";
import { useI18n } from "../../i18n";
import type { ServerRequest } from "./connection";
import { fieldErrors, SchemaFields } from "./SchemaForm";
import { type FieldState, initialState, type Schema, toValue } from "./schema-form";

/** The server's oldest open request to the client, for the user to answer; the others wait their turn. */
export function ServerRequests({ requests }: { requests: ServerRequest[] }) {
  const request = requests[0];
  if (!request) return null;
  return request.kind === "sampling" ? (
    <SamplingDialog key={request.id} request={request} />
  ) : (
    <ElicitationDialog key={request.id} request={request} />
  );
}

const textOf = (content: { type: string; text?: string }) =>
  content.type === "text" ? (content.text ?? "") : `[${content.type}]`;

/** sampling/createMessage: the user reads the conversation and writes the model's reply. */
function SamplingDialog({ request }: { request: Extract<ServerRequest, { kind: "sampling" }> }) {
  const { t } = useI18n();
  const { messages, systemPrompt, maxTokens } = request.params;
  const [reply, setReply] = useState("");
  const [model, setModel] = useState("mcpbox-inspector");
  const send = (event: FormEvent) => {
    event.preventDefault();
    request.resolve({
      role: "assistant",
      content: { type: "text", text: reply },
      model,
      stopReason: "endTurn",
    });
  };
  const reject = () => request.reject(new Error(t("inspector.sampling.rejected")));
  return (
    <Dialog title={t("inspector.sampling.title")} open onClose={reject} wide>
      <form onSubmit={send} className="space-y-3">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {t("inspector.sampling.hint", { maxTokens })}
        </p>
        {systemPrompt && <p className="text-sm italic">{systemPrompt}</p>}
        <ol className="space-y-2" aria-label={t("inspector.sampling.messages")}>
          {messages.map((message, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the conversation is fixed for this request
            <li key={i} className="rounded-md bg-slate-100 p-2 text-sm dark:bg-slate-800">
              <span className="mr-2 font-semibold">{message.role}</span>
              {(Array.isArray(message.content) ? message.content : [message.content]).map(textOf).join(" ")}
            </li>
          ))}
        </ol>
        <Field label={t("inspector.sampling.reply")}>
          {(id) => (
            <Textarea id={id} rows={4} required value={reply} onChange={(e) => setReply(e.target.value)} />
          )}
        </Field>
        <Field label={t("inspector.sampling.model")}>
          {(id) => <Input id={id} required value={model} onChange={(e) => setModel(e.target.value)} />}
        </Field>
        <div className="flex justify-end gap-2">
          <Button onClick={reject}>{t("inspector.sampling.reject")}</Button>
          <Button type="submit" variant="primary">
            {t("inspector.sampling.send")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** elicitation/create: a form from the requested schema; the user accepts, declines or cancels. */
function ElicitationDialog({ request }: { request: Extract<ServerRequest, { kind: "elicitation" }> }) {
  const { t } = useI18n();
  const params = request.params as ElicitRequest["params"] & { requestedSchema?: Schema };
  const schema: Schema = params.requestedSchema ?? { type: "object", properties: {} };
  const [state, setState] = useState(() => initialState(schema) as Record<string, FieldState>);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const accept = (event: FormEvent) => {
    event.preventDefault();
    try {
      const content = (toValue(schema, state, "", true) as Record<string, unknown>) ?? {};
      request.resolve({ action: "accept", content: content as never });
    } catch (error) {
      setErrors(fieldErrors(t, error));
    }
  };
  const cancel = () => request.resolve({ action: "cancel" });
  return (
    <Dialog title={t("inspector.elicitation.title")} open onClose={cancel} wide>
      <form onSubmit={accept} className="space-y-3">
        <p className="text-sm">{params.message}</p>
        <SchemaFields schema={schema} state={state} onChange={setState} errors={errors} />
        <div className="flex justify-end gap-2">
          <Button onClick={cancel}>{t("inspector.elicitation.cancel")}</Button>
          <Button onClick={() => request.resolve({ action: "decline" })}>
            {t("inspector.elicitation.decline")}
          </Button>
          <Button type="submit" variant="primary">
            {t("inspector.elicitation.accept")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
