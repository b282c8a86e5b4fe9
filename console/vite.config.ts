import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The web console, built into dist/console and served by `mcpbox serve` at `/`. */
export default defineConfig({
  root: here("."),
  base: "/",
  plugins: [react(), tailwindcss()],
  build: {
    outDir: here("../dist/console"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite --config console/vite.config.ts` during development, with MCPBox on its default port.
    proxy: { "/api": "http://127.0.0.1:8800", "/mcp": "http://127.0.0.1:8800" },
  },
});
