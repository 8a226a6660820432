/**
 * The practice lab's image mirror: a small HTTP server on 127.0.0.1 laid out like Ubuntu's
 * release area and Raspberry Pi Imager's list:
 *   /os_list_imagingutility_v4.json           the catalogue (practice-images.ts)
 *   /releases/<version>/release/SHA256SUMS    binary-mode sums, as Ubuntu's
 *   /releases/<version>/release/<image>       the .img.xz, with Range / If-Range / ETag
 * It can be told to misbehave the ways real downloads do, for tests and for practising:
 * cut the connection after N bytes, serve a damaged body, announce wrong checksums, answer an
 * error status, ignore Range, or go slowly. Every request is logged (path, range, status).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { PracticeImage } from './practice-image';
import { sha256sumsText } from './practice-image';
import { practiceCatalogue, releaseDir } from './practice-images';
import type { PracticeCatalogueOptions } from './practice-images';

export const CATALOGUE_PATH = '/os_list_imagingutility_v4.json';

export interface ImageServerFaults {
  /** Close the connection after this many body bytes of an image response... */
  cutAfterBytes?: number;
  /** ...for this many responses (default 1; then it serves normally). */
  cutTimes?: number;
  /** Serve the image with `length` bytes at absolute offset `at` changed. */
  corrupt?: { at: number; length: number };
  /** SHA256SUMS lists wrong hashes. */
  wrongSha256Sums?: boolean;
  /** Catalogue options (wrong or missing hashes). */
  catalogue?: PracticeCatalogueOptions;
  /** Answer image requests with this status. */
  status?: number;
  /** Answer 200 with the whole file even when asked for a range. */
  ignoreRange?: boolean;
  /** Send image bodies at about this many bytes per second. */
  bytesPerSecond?: number;
}

export interface ImageServerRequest {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
  /** Body bytes sent (image responses). */
  sent: number;
}

export class PracticeImageServer {
  readonly images: readonly PracticeImage[];
  faults: ImageServerFaults = {};
  readonly requests: ImageServerRequest[] = [];
  readonly #server: Server;
  #cuts = 0;
  #url = '';

  private constructor(images: readonly PracticeImage[]) {
    this.images = images;
    this.#server = createServer((req, res) => void this.#handle(req, res).catch(() => res.destroy()));
  }

  /** Listen on 127.0.0.1 (port 0: any free port). */
  static async start(images: readonly PracticeImage[], options: { port?: number } = {}): Promise<PracticeImageServer> {
    const server = new PracticeImageServer(images);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.#server.address() as AddressInfo;
    server.#url = `http://127.0.0.1:${port}`;
    return server;
  }

  get url(): string {
    return this.#url;
  }

  get catalogueUrl(): string {
    return `${this.#url}${CATALOGUE_PATH}`;
  }

  imageUrl(image: PracticeImage): string {
    return `${this.#url}/${releaseDir(image.release)}${image.fileName}`;
  }

  /** Set faults (and reset the cut counter). */
  setFaults(faults: ImageServerFaults): void {
    this.faults = faults;
    this.#cuts = 0;
  }

  /** Image requests served so far (GET only). */
  imageRequests(): ImageServerRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path.endsWith('.img.xz'));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.#url).pathname);
    const log: ImageServerRequest = { method: req.method ?? 'GET', path, status: 200, sent: 0 };
    if (req.headers.range) log.range = req.headers.range;
    if (req.headers['if-range']) log.ifRange = String(req.headers['if-range']);
    this.requests.push(log);
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      log.status = status;
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === CATALOGUE_PATH) return text(200, JSON.stringify(practiceCatalogue(this.images, this.faults.catalogue), null, 2), 'application/json');
    const image = this.images.find((i) => path === `/${releaseDir(i.release)}${i.fileName}`);
    const sumsFor = this.images.filter((i) => path === `/${releaseDir(i.release)}SHA256SUMS`);
    if (sumsFor.length > 0) {
      const listed = this.faults.wrongSha256Sums ? sumsFor.map((i) => ({ ...i, downloadSha256: 'f'.repeat(64) })) : sumsFor;
      return text(200, sha256sumsText(listed));
    }
    if (!image) return text(404, 'Not found\n');
    if (this.faults.status) return text(this.faults.status, `HTTP ${this.faults.status}\n`);
    await this.#serveImage(req, res, image, log);
  }

  async #serveImage(req: IncomingMessage, res: ServerResponse, image: PracticeImage, log: ImageServerRequest): Promise<void> {
    const info = await stat(image.path);
    const size = info.size;
    const etag = `"${image.downloadSha256.slice(0, 16)}"`;
    const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString();
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const rangeValid = !ifRange || ifRange === etag || ifRange === lastModified;
    if (range && !this.faults.ignoreRange && rangeValid) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        log.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
    }
    log.status = status;
    res.writeHead(status, {
      'content-type': 'application/x-xz',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      etag,
      'last-modified': lastModified,
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const cut = this.faults.cutAfterBytes !== undefined && this.#cuts < (this.faults.cutTimes ?? 1) ? this.faults.cutAfterBytes : undefined;
    if (cut !== undefined) this.#cuts++;
    const corrupt = this.faults.corrupt;
    const rate = this.faults.bytesPerSecond;
    let position = start;
    const started = performance.now();
    for await (const piece of createReadStream(image.path, { start, end, highWaterMark: 64 * 1024 })) {
      let chunk = piece as Buffer;
      if (corrupt && position + chunk.length > corrupt.at && position < corrupt.at + corrupt.length) {
        chunk = Buffer.from(chunk);
        for (let at = Math.max(corrupt.at, position); at < Math.min(corrupt.at + corrupt.length, position + chunk.length); at++) chunk[at - position] = (chunk[at - position] ?? 0) ^ 0xa5;
      }
      if (cut !== undefined && log.sent + chunk.length >= cut) {
        const part = chunk.subarray(0, Math.max(0, cut - log.sent));
        if (part.length) res.write(part);
        log.sent += part.length;
        // Let the bytes leave, then break the connection as a dropped network would.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.socket?.destroy();
        return;
      }
      position += chunk.length;
      log.sent += chunk.length;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
      if (res.destroyed) return;
      if (rate) {
        const due = (log.sent / rate) * 1000 - (performance.now() - started);
        if (due > 0) await delay(due);
      }
    }
    res.end();
  }
}
