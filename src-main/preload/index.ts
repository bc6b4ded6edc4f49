// The only bridge between the sandboxed renderer and the main process: a narrow, typed API object.
// For now it carries the runtime versions; the API calls (src-main/api/methods.ts) arrive with the IPC
// wiring of issue #6 and are validated in the main process against the same schemas as web mode.
import { contextBridge } from 'electron';

const api = {
  versions: { node: process.versions.node, chrome: process.versions.chrome, electron: process.versions.electron },
};

contextBridge.exposeInMainWorld('moduli', api);

export type PreloadApi = typeof api;
