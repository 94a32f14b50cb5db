import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const at = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Builds the Electron shell into dist-electron/: main.js and engine.js as ES modules for Node
 * (every package stays external, loaded from node_modules), preload.cjs as one CommonJS file
 * (a sandboxed preload cannot load modules). `npm run build:electron`.
 * Set LIFEBOAT_ELECTRON_PART=preload for the preload pass (it needs another output format).
 */
const preload = process.env.LIFEBOAT_ELECTRON_PART === 'preload';

export default defineConfig({
  root: at('.'),
  build: {
    ssr: true,
    outDir: at('../dist-electron'),
    emptyOutDir: !preload,
    target: 'node20',
    minify: false,
    rollupOptions: preload
      ? { input: { preload: at('preload.ts') }, external: ['electron'], output: { format: 'cjs', entryFileNames: '[name].cjs' } }
      : {
          input: { main: at('main.ts'), engine: at('../native/api/engine-process.ts') },
          external: (id) => id === 'electron' || id.startsWith('node:') || !/^[./]|^[A-Za-z]:/.test(id),
          output: { format: 'es', entryFileNames: '[name].js' },
        },
  },
});
