/**
 * Sandboxed preload (bundled to CommonJS). Exposes only invoke and subscribe; parameters are
 * validated in main, never trusted here.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { WizardBridge } from './bridge';
import { IPC_EVENT, IPC_INVOKE } from './contract/channels';
import type { Envelope } from './contract/errors';

const bridge: WizardBridge = {
  invoke: (method, params) => ipcRenderer.invoke(IPC_INVOKE, { method, params }) as Promise<Envelope<unknown>>,
  subscribe: (listener) => {
    const handler = (_e: IpcRendererEvent, message: { name: string; payload: unknown }) => listener(message.name, message.payload);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT, handler);
  },
};

contextBridge.exposeInMainWorld('piWizard', bridge);
