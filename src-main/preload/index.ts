// The only bridge between the sandboxed renderer and the main process: a narrow, typed API object.
import { contextBridge, ipcRenderer } from 'electron';

const api = {
  versions: { ...process.versions },
  invoke: (channel: 'app:info') => ipcRenderer.invoke(channel),
};

contextBridge.exposeInMainWorld('moduli', api);

export type PreloadApi = typeof api;
