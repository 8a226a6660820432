/**
 * `kubectl exec` over WebSocket (`v5.channel.k8s.io`, what kubectl 1.32 tries first): the upgrade
 * of `GET /api/v1/namespaces/<ns>/pods/<name>/exec?command=...`, binary frames whose first byte is
 * the stream (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close), the command run in the
 * lab container, and the final metav1.Status on channel 3 (Success, or NonZeroExitCode with the
 * exit code kubectl exits with). `-i` feeds stdin to the command (a shell runs each line as it
 * arrives); `-t` gets a terminal: echo, line editing, and the shell's `# ` prompt. Errors before
 * the upgrade (completed pod, no such container) are plain Status responses. SPDY is not served:
 * kubectl only falls back to it when the WebSocket upgrade itself fails.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { ExecTarget } from '../controllers/kubelet';
import { ExecStartError, InteractiveShell, execInContainer } from '../runtime/exec-shell';
import type { ExecIo } from '../runtime/exec-shell';
import { StatusError, badRequest, internalError } from './status-errors';

export const V5 = 'v5.channel.k8s.io';
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface ExecHost {
  execTarget(namespace: string, pod: string, container: string | undefined): ExecTarget;
}

function writeHttpError(socket: Duplex, err: unknown): void {
  const e = err instanceof StatusError ? err : internalError(err);
  const body = JSON.stringify(e.status);
  socket.write(`HTTP/1.1 ${e.code} ${e.code === 400 ? 'Bad Request' : e.code === 404 ? 'Not Found' : e.code === 403 ? 'Forbidden' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy();
}

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has(V5) ? V5 : false),
});

/** Handle an HTTP upgrade for the exec subresource. Returns false when the path is not an exec request. */
export function handleExecUpgrade(host: ExecHost, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const url = new URL(req.url ?? '/', 'https://lab');
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(url.pathname);
  if (!m) return false;
  const [, namespace, pod, action] = m as unknown as [string, string, string, string];
  const q = url.searchParams;
  try {
    if (action === 'attach') throw badRequest('attach is not supported by the practice lab');
    const command = q.getAll('command');
    if (!command.length) throw badRequest('you must specify at least 1 command');
    const target = host.execTarget(namespace, pod, q.get('container') ?? undefined);
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!websocket || !protocols.includes(V5)) throw badRequest(`the lab's API serves exec over WebSocket (${V5}) only`);
    const flags = { stdin: truthy(q.get('stdin')), stdout: q.get('stdout') === null ? true : truthy(q.get('stdout')), stderr: truthy(q.get('stderr')), tty: truthy(q.get('tty')) };
    wss.handleUpgrade(req, socket, head, (ws) => void runSession(ws, target, command, flags));
  } catch (err) {
    writeHttpError(socket, err);
  }
  return true;
}

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

async function runSession(ws: WebSocket, target: ExecTarget, command: string[], flags: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<void> {
  const send = (stream: number, text: string | Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const data = typeof text === 'string' ? Buffer.from(text) : text;
    ws.send(Buffer.concat([Buffer.from([stream]), data]), { binary: true });
  };
  // With a TTY the terminal carries stderr too, with CRLF line ends.
  const io: ExecIo = flags.tty
    ? { stdout: (t) => send(STDOUT, t.replace(/\r?\n/g, '\r\n')), stderr: (t) => send(STDOUT, t.replace(/\r?\n/g, '\r\n')) }
    : { stdout: (t) => flags.stdout && send(STDOUT, t), stderr: (t) => (flags.stderr ? send(STDERR, t) : undefined) };
  const env = target.sandbox.execEnv(target.instance, target.pod.metadata.name);
  const finish = (code: number) => {
    const status =
      code === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } };
    send(ERROR, JSON.stringify(status));
    ws.close(1000);
  };
  send(STDOUT, Buffer.alloc(0));
  const base = command[0]?.split('/').pop() ?? '';
  const isShell = ['sh', 'bash', 'dash', 'ash'].includes(base) && !command.includes('-c');
  let stdinText = '';
  let stdinClosed = !flags.stdin;
  let waiting: (() => void) | undefined;
  const interactive = flags.stdin && isShell && target.instance.profile.commands?.has(base) ? new InteractiveShell(env, env.env) : undefined;
  let lineBuf = '';
  let chain = Promise.resolve();
  const prompt = () => flags.tty && io.stdout('# ');
  ws.on('message', (raw: Buffer) => {
    const stream = raw[0];
    const data = raw.subarray(1);
    if (stream === STDIN) {
      if (interactive) {
        for (const ch of data.toString('utf8')) {
          if (flags.tty && (ch === '\x7f' || ch === '\b')) {
            if (lineBuf) {
              lineBuf = lineBuf.slice(0, -1);
              send(STDOUT, '\b \b');
            }
            continue;
          }
          if (flags.tty && ch === '\x04' && !lineBuf) {
            stdinClosed = true;
            waiting?.();
            continue;
          }
          if (ch === '\r' || ch === '\n') {
            if (flags.tty) send(STDOUT, '\r\n');
            const line = lineBuf;
            lineBuf = '';
            chain = chain.then(async () => {
              await interactive.line(line, io);
              if (interactive.exited !== undefined) {
                stdinClosed = true;
                waiting?.();
              } else prompt();
            });
            continue;
          }
          lineBuf += ch;
          if (flags.tty) send(STDOUT, ch);
        }
      } else stdinText += data.toString('utf8');
    } else if (stream === CLOSE && data[0] === STDIN) {
      stdinClosed = true;
      waiting?.();
    } else if (stream === RESIZE) {
      // Terminal size changes need no action: the lab's commands do not lay out text by width.
    }
  });
  ws.on('close', () => {
    stdinClosed = true;
    waiting?.();
  });
  const untilStdinClosed = () => new Promise<void>((resolve) => (stdinClosed ? resolve() : (waiting = resolve)));
  try {
    if (interactive) {
      prompt();
      await untilStdinClosed();
      await chain;
      if (lineBuf.trim()) await interactive.line(lineBuf, io);
      return finish(interactive.lastCode);
    }
    if (flags.stdin) await untilStdinClosed();
    const code = await execInContainer(command, io, stdinText, env);
    finish(code);
  } catch (err) {
    if (err instanceof ExecStartError) {
      io.stdout(`OCI runtime exec failed: exec failed: unable to start container process: ${err.message}: unknown\n`);
      return finish(126);
    }
    send(ERROR, JSON.stringify({ metadata: {}, status: 'Failure', message: String((err as Error).message ?? err), reason: 'InternalError', code: 500 }));
    ws.close(1000);
  }
}
