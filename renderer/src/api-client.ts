import type {
  ApiEvent, ApiMethod, ApiResult, LifeboatApi, PreloadBridge, ShellCalls, UserError,
} from '../../native/api/api.ts';
import type { WireMessage } from '../../native/api/wire.ts';

/** A call that the engine answered with an error: already said for a person. */
export class CallError extends Error {
  constructor(readonly userError: UserError) {
    super(userError.message);
  }
}

type Arg<M extends ApiMethod> = Parameters<LifeboatApi[M]>[0];

/** The window's one way to the engine, whichever transport carries it. */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, ...arg: Arg<M> extends undefined ? [] : [Arg<M>]): Promise<ApiResult<M>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Told when the engine cannot be reached any more (the host stopped). */
  onLost(listener: () => void): () => void;
  /** Folder picker and file manager: only in the Electron shell. */
  shell: ShellCalls | null;
  /** The address of a finished export's receipt, when the host serves it (browser host). */
  receiptUrl(exportId: string): string | null;
}

declare global {
  interface Window {
    lifeboat?: PreloadBridge;
  }
}

/** In Electron the preload's bridge; otherwise the browser host's WebSocket, with the token from the address. */
export async function connectApi(): Promise<ApiClient> {
  if (window.lifeboat) return viaPreload(window.lifeboat);
  return viaWebSocket();
}

function viaPreload(bridge: PreloadBridge): ApiClient {
  return {
    async call(method, ...arg) {
      const answer = await bridge.call(method, arg[0] as object | undefined);
      if (!answer.ok) throw new CallError(answer.error);
      return answer.value as never;
    },
    onEvent: (listener) => bridge.onEvent(listener),
    onLost: (listener) => bridge.onEngineLost(() => listener()),
    shell: bridge.shell,
    receiptUrl: () => null,
  };
}

function viaWebSocket(): Promise<ApiClient> {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const socket = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Set<(event: ApiEvent) => void>();
  const lostListeners = new Set<() => void>();
  let nextId = 1;
  let open = false;

  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as WireMessage;
    if (data.kind === 'event') {
      for (const l of listeners) l(data.event);
    } else if (data.kind === 'result') {
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (!p) return;
      if (data.ok) p.resolve(data.value);
      else p.reject(new CallError(data.error));
    }
  });
  socket.addEventListener('close', () => {
    const lost: UserError = {
      code: 'engine-gone',
      message: 'The window lost contact with Lifeboat’s engine.',
      whatToDo: 'Start Lifeboat again (what was saved is safe), then reload this page.',
    };
    for (const p of pending.values()) p.reject(new CallError(lost));
    pending.clear();
    if (open) for (const l of lostListeners) l();
  });

  const client: ApiClient = {
    call(method, ...arg) {
      return new Promise((resolve, reject) => {
        if (socket.readyState !== WebSocket.OPEN) {
          reject(new CallError({ code: 'engine-gone', message: 'Lifeboat’s engine is not reachable.', whatToDo: 'Start Lifeboat again, then reload this page.' }));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        socket.send(JSON.stringify({ kind: 'call', id, method, arg: arg[0] }));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onLost(listener) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
    shell: null,
    receiptUrl: (exportId) => `/receipt/${encodeURIComponent(exportId)}?token=${encodeURIComponent(token)}`,
  };

  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => {
      open = true;
      resolve(client);
    });
    socket.addEventListener('error', () => {
      if (!open) {
        reject(
          new CallError({
            code: 'engine-gone',
            message: 'This page could not reach Lifeboat’s engine.',
            whatToDo: 'Open the exact address Lifeboat printed (it holds a one-time key), or start Lifeboat again.',
          }),
        );
      }
    });
  });
}
