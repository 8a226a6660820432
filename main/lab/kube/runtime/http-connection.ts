/**
 * HTTP/1.x on one TCP connection to a container, byte for byte: requests parsed from the
 * socket (request line, headers, Content-Length or chunked bodies, pipelining, keep-alive),
 * responses written exactly as the container's server composes them (status line with its own
 * reason phrase, headers in its order) — Node's http server would add and reorder headers.
 */
import type { Socket } from 'node:net';
import type { HttpRequest, HttpResponse } from './nginx/nginx-server';
import { reasonPhrase } from './nginx/nginx-server';

const MAX_HEADER = 32 * 1024;

export type RequestHandler = (req: HttpRequest) => HttpResponse | undefined;

function parseHead(head: string): HttpRequest | undefined {
  const lines = head.split('\r\n');
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) return undefined;
    headers.push([l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()]);
  }
  return { method: m[1]!, target: m[2]!, version: m[3]!, headers, body: Buffer.alloc(0) };
}

/** Decode a chunked body from `buf`; undefined until it is complete. */
function chunked(buf: Buffer): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0]!, 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(parts), used: buf.length };
    pos = eol + 2;
    if (size === 0) {
      const end = buf.indexOf('\r\n\r\n', pos - 2);
      return end < 0 ? undefined : { body: Buffer.concat(parts), used: end + 4 };
    }
    if (buf.length < pos + size + 2) return undefined;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

export function writeResponse(socket: Socket, version: string, res: HttpResponse): void {
  const head = `${version === 'HTTP/1.0' ? 'HTTP/1.1' : 'HTTP/1.1'} ${res.status} ${reasonPhrase(res.status)}\r\n` + res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
  socket.write(Buffer.concat([Buffer.from(head, 'latin1'), res.body]));
}

/** Serve requests arriving on `socket` with `handle`; a handler answering undefined resets the connection. */
export function serveHttpConnection(socket: Socket, handle: RequestHandler, onBadRequest: (raw: string) => HttpResponse): void {
  let buf = Buffer.alloc(0);
  let closed = false;
  socket.on('error', () => socket.destroy());
  socket.on('close', () => (closed = true));
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (!closed) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEADER) {
          writeResponse(socket, 'HTTP/1.1', onBadRequest(''));
          socket.end();
          closed = true;
        }
        return;
      }
      const head = buf.subarray(0, end).toString('latin1');
      const req = parseHead(head.replace(/^(\r\n)+/, ''));
      if (!req) {
        writeResponse(socket, 'HTTP/1.1', onBadRequest(head.split('\r\n')[0] ?? ''));
        socket.end();
        closed = true;
        return;
      }
      let rest = buf.subarray(end + 4);
      const te = req.headers.find(([k]) => k === 'transfer-encoding')?.[1];
      if (te?.toLowerCase().includes('chunked')) {
        const body = chunked(rest);
        if (!body) return;
        req.body = body.body;
        rest = rest.subarray(body.used);
      } else {
        const length = Number(req.headers.find(([k]) => k === 'content-length')?.[1] ?? 0);
        if (rest.length < length) return;
        req.body = rest.subarray(0, length);
        rest = rest.subarray(length);
      }
      buf = rest;
      const res = handle(req);
      if (!res) {
        socket.resetAndDestroy();
        closed = true;
        return;
      }
      writeResponse(socket, req.version, res);
      if (res.close) {
        socket.end();
        closed = true;
        return;
      }
    }
  });
}
