import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Prompt } from "@modelcontextprotocol/sdk/types.js";
import { useMutation, useQuery } from "@tanstack/react-query";
import { MessageSquare } from "lucide-react";
import { useState } from "react";
import { Badge, Button, ErrorBanner, Field, Input } from "../../components/ui";
import { useI18n } from "../../i18n";
import { ContentView } from "./ContentView";
import { ItemPicker } from "./ItemPicker";
import { listAll } from "./ToolsPanel";

/** Prompts: pick one, fill its arguments, get its messages. */
export function PromptsPanel({ client, session }: { client: Client; session: number }) {
  const { t } = useI18n();
  const prompts = useQuery({
    queryKey: ["inspector", session, "prompts"],
    queryFn: () =>
      listAll<Prompt>((cursor) => client.listPrompts(cursor ? { cursor } : undefined), "prompts"),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const [selected, setSelected] = useState<string | null>(null);
  const prompt = prompts.data?.find((p) => p.name === selected);

  return (
    <div className="grid gap-4 md:grid-cols-[16rem_1fr]">
      <ItemPicker
        label={t("instances.prompts")}
        loading={prompts.isPending}
        error={prompts.error}
        onRefresh={() => void prompts.refetch()}
        items={(prompts.data ?? []).map((p) => ({ id: p.name, title: p.name, subtitle: p.title }))}
        selected={selected}
        onSelect={setSelected}
      />
      <div className="min-w-0">
        {prompt ? (
          <PromptRunner key={prompt.name} client={client} prompt={prompt} />
        ) : (
          <p className="text-sm text-slate-500">{t("inspector.pickPrompt")}</p>
        )}
      </div>
    </div>
  );
}

function PromptRunner({ client, prompt }: { client: Client; prompt: Prompt }) {
  const { t } = useI18n();
  const [values, setValues] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<string[]>([]);
  const get = useMutation({
    mutationFn: (args: Record<string, string>) => client.getPrompt({ name: prompt.name, arguments: args }),
  });
  const submit = () => {
    const absent = (prompt.arguments ?? [])
      .filter((a) => a.required && !values[a.name]?.trim())
      .map((a) => a.name);
    setMissing(absent);
    if (absent.length) return;
    get.mutate(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")));
  };
  return (
    <div className="space-y-3">
      <h3 className="font-mono text-base font-semibold">{prompt.name}</h3>
      {prompt.description && (
        <p className="text-sm text-slate-600 dark:text-slate-400">{prompt.description}</p>
      )}
      {(prompt.arguments ?? []).map((arg) => (
        <Field
          key={arg.name}
          label={`${arg.name}${arg.required ? " *" : ""}`}
          hint={arg.description}
          error={missing.includes(arg.name) ? t("common.required") : undefined}
        >
          {(id) => (
            <Input
              id={id}
              value={values[arg.name] ?? ""}
              onChange={(e) => setValues({ ...values, [arg.name]: e.target.value })}
            />
          )}
        </Field>
      ))}
      <Button variant="primary" busy={get.isPending} onClick={submit}>
        <MessageSquare className="size-4" aria-hidden />
        {t("inspector.getPrompt")}
      </Button>
      <ErrorBanner error={get.error} />
      {get.data && (
        <div className="space-y-3" data-testid="prompt-result">
          {get.data.description && <p className="text-sm">{get.data.description}</p>}
          {get.data.messages.map((message, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: messages are in order and never reordered
            <div key={i} className="space-y-1">
              <Badge tone={message.role === "user" ? "blue" : "green"}>{message.role}</Badge>
              <ContentView blocks={[message.content as never]} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
