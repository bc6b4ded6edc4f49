import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { engineSourceHash } from './src-main/engine/version-hash';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    // Baked in: the packaged app has no sources to hash (src-main/engine/version.ts).
    define: { __MODULI_ENGINE_VERSION__: JSON.stringify(engineSourceHash(resolve(__dirname, 'src-main'))) },
    // The training worker is a second entry: Electron runs it in utilityProcesses (src-main/main/utility-host.ts).
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src-main/main/index.ts'), worker: resolve(__dirname, 'src-main/jobs/worker.ts') } } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    // Sandboxed preloads cannot load ES modules: emit CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    build: { rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') } },
  },
});
