import { defineConfig } from "vite";

// Tauri serves ui/dist through its own protocol; no dev server is needed to build.
export default defineConfig({
  clearScreen: false,
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 400 },
  server: { port: 5173, strictPort: true },
});
