/** Channel names of the Electron host (kept apart so the preload bundle stays tiny). */
export const IPC_INVOKE = 'pcw:invoke';
export const IPC_EVENT = 'pcw:event';
