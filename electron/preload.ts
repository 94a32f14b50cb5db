import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiMethod, PreloadBridge, UserError } from '../native/api/api.ts';

/**
 * The sandboxed preload: the typed API on window.lifeboat and nothing else. No raw ipcRenderer,
 * no Node: every call goes to `lifeboat:call`, where the main process checks the sender frame
 * and the method. Built as one CommonJS file (sandboxed preloads cannot load modules).
 */
const bridge: PreloadBridge = {
  call: (method: ApiMethod, arg?: object) => ipcRenderer.invoke('lifeboat:call', method, arg),
  onEvent(listener: (event: ApiEvent) => void) {
    const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on('lifeboat:event', handler);
    return () => void ipcRenderer.removeListener('lifeboat:event', handler);
  },
  onEngineLost(listener: (error: UserError) => void) {
    const handler = (_e: IpcRendererEvent, error: UserError) => listener(error);
    ipcRenderer.on('lifeboat:engine-lost', handler);
    return () => void ipcRenderer.removeListener('lifeboat:engine-lost', handler);
  },
  shell: {
    chooseFolder: () => ipcRenderer.invoke('lifeboat:shell', 'chooseFolder'),
    openFolder: (req: { path: string }) => ipcRenderer.invoke('lifeboat:shell', 'openFolder', { path: req.path }),
  },
};

contextBridge.exposeInMainWorld('lifeboat', bridge);
