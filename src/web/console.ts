import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { sendError } from "../api/errors.js";
import { securityHeaders } from "../api/hardening.js";

/** Where `npm run build:console` writes the web console. */
export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/console");

/** Paths that belong to the API, the gateway or the probes: never answered with the console's page. */
const NOT_CONSOLE = /^\/(api|mcp|sse|messages|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * Serves the web console at `/`: its hashed assets with long caching, and index.html for every other page
 * path so that the browser's router can take over (deep links, reloads). Everything else that matches no
 * route gets the JSON 404.
 */
export async function registerConsole(app: FastifyInstance, options: { tls: boolean; dir?: string }) {
  const dir = options.dir ?? CONSOLE_DIR;
  const built = () => existsSync(join(dir, "index.html"));
  await app.register(async (scope) => {
    await securityHeaders(scope, options.tls);
    // Asset names carry a content hash: cached for good, and any build's files are found (no fixed list).
    await scope.register(fastifyStatic, {
      root: join(dir, "assets"),
      prefix: "/assets/",
      index: false,
      immutable: true,
      maxAge: "365d",
    });
    scope.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      const wantsPage =
        (request.method === "GET" || request.method === "HEAD") &&
        !NOT_CONSOLE.test(request.url) &&
        (request.headers.accept ?? "").includes("text/html");
      if (!wantsPage) {
        return sendError(reply, 404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`);
      }
      if (!built()) {
        return reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send("The web console is not built in this checkout: run `npm run build:console`.\n");
      }
      return reply.header("cache-control", "no-cache").sendFile("index.html", dir);
    });
  });
}
