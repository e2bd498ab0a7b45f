/**
 * Builds the web catalog browser (web/) into dist/web, which the server serves
 * at / (src/api/web-app.ts). Hashed file names under assets/ let the server
 * mark them immutable.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: true,
  },
});
