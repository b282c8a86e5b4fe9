import { z } from "zod";
import { type RouteInfo, requiredPermissions } from "./authn.js";

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) of what a client sends, from the schema the handler parses. */
function inputSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parametersOf(schema: z.ZodType | undefined, where: "path" | "query") {
  if (!schema) return [];
  const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

const ERROR_RESPONSE = {
  description: "An error",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};

/** The admin API's OpenAPI 3.1 document, built from the route registry that access control also reads. */
export function openApiDocument(routes: RouteInfo[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    const tag = route.url.replace(/^\/api\/v1\//, "").split("/")[0];
    const access =
      route.access === "public"
        ? "No authentication."
        : route.access === "authenticated"
          ? "Any signed-in caller."
          : `Requires ${requiredPermissions(route.access)
              .map((p) => `\`${p}\``)
              .join(" and ")}; results and targets are limited to the caller's data scope.`;
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      description: access,
      tags: [tag],
      "x-mcpbox-access": route.access,
      security: route.access === "public" ? [] : [{ session: [], csrf: [] }, { bearer: [] }],
      parameters: [...parametersOf(route.params, "path"), ...parametersOf(route.query, "query")],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: inputSchema(route.body) } },
            },
          }
        : {}),
      responses: {
        [route.method === "POST" && !route.url.includes("/auth/") ? "201" : "200"]: {
          description: "Success",
        },
        "204": { description: "Done, no content" },
        "400": ERROR_RESPONSE,
        "401": ERROR_RESPONSE,
        "403": ERROR_RESPONSE,
        "404": ERROR_RESPONSE,
        "409": ERROR_RESPONSE,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "MCPBox admin API",
      version,
      description:
        "Every route needs a console session (cookie + X-CSRF-Token header on changes) or an API key as a bearer token, unless marked otherwise. Errors are `{ error: { code, message, details? } }`; messages follow Accept-Language (en, zh-CN).",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "mcpbox_session" },
        csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
        bearer: { type: "http", scheme: "bearer", description: "A personal API key (mcpbox_ak_…)" },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
            },
          },
        },
      },
    },
  };
}
