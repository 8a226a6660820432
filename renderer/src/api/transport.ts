/**
 * How the window reaches main: the Electron preload's bridge when present, otherwise the
 * browser host's WebSocket (token from the launch URL's fragment, kept for reloads).
 */
import type { WizardBridge } from '../../../preload/bridge';
import type { Envelope } from '../../../preload/contract/errors';

const TOKEN_KEY = 'pcw.token';

function readToken(): string | null {
  const match = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

type Pending = { resolve: (e: Envelope<unknown>) => void };

function webSocketBridge(): WizardBridge {
  const token = readToken();
  const listeners = new Set<(name: string, payload: unknown) => void>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let retry = 250;

  const failAll = (message: string) => {
    for (const [id, p] of pending) {
      p.resolve({ ok: false, error: { code: 'UNAVAILABLE', message } });
      pending.delete(id);
    }
  };

  const open = () => {
    const ws = new WebSocket(`ws://${window.location.host}/rpc?token=${encodeURIComponent(token ?? '')}`);
    socket = ws;
    ws.onopen = () => {
      retry = 250;
      for (const m of queue.splice(0)) ws.send(m);
      for (const l of listeners) l('connection', { connected: true });
    };
    ws.onmessage = (event) => {
      const msg = JSON.parse(String(event.data)) as { type: string; id?: number; envelope?: Envelope<unknown>; name?: string; payload?: unknown };
      if (msg.type === 'result' && typeof msg.id === 'number') {
        pending.get(msg.id)?.resolve(msg.envelope as Envelope<unknown>);
        pending.delete(msg.id);
      } else if (msg.type === 'event' && msg.name) {
        for (const l of listeners) l(msg.name, msg.payload);
      }
    };
    ws.onclose = () => {
      socket = null;
      failAll('Lost the connection to the app. It reconnects by itself; if it does not, restart it with npm start.');
      for (const l of listeners) l('connection', { connected: false });
      if (token) setTimeout(open, Math.min((retry *= 2), 5000));
    };
  };
  if (token) open();

  return {
    invoke(method, params) {
      if (!token) {
        return Promise.resolve({
          ok: false,
          error: { code: 'UNAVAILABLE', message: 'Open the app with the full address that `npm start` printed (it carries an access token).' },
        });
      }
      const id = nextId++;
      const message = JSON.stringify({ type: 'invoke', id, method, params });
      return new Promise((resolve) => {
        pending.set(id, { resolve });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

let bridge: WizardBridge | null = null;

export function getBridge(): WizardBridge {
  bridge ??= window.piWizard ?? webSocketBridge();
  return bridge;
}
