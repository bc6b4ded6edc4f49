// The only bridge between the sandboxed renderer and the main process: one narrow, typed object.
// `call` reaches exactly the API methods (validated again, with their schemas, in the main process);
// `onEvent` delivers live run events. Nothing else of Electron or Node is exposed.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_CHANNEL, API_METHOD_NAMES, EVENT_CHANNEL } from '../api/method-names';

type MethodName = (typeof API_METHOD_NAMES)[number];
const allowed = new Set<string>(API_METHOD_NAMES);

const api = {
  versions: { node: process.versions.node, chrome: process.versions.chrome, electron: process.versions.electron },
  call: (method: MethodName, ...args: unknown[]): Promise<unknown> => {
    if (!allowed.has(method)) return Promise.reject(new Error(`unknown API method '${String(method)}'`));
    return ipcRenderer.invoke(API_CHANNEL, method, args);
  },
  onEvent: (cb: (event: unknown) => void): (() => void) => {
    const listener = (_e: IpcRendererEvent, payload: unknown) => cb(payload);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, listener);
  },
};

contextBridge.exposeInMainWorld('moduli', api);
