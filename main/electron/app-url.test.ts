/**
 * The app:// resolver: every URL the window can ask for maps to a file inside the renderer
 * folder or to nothing, whatever escapes, dot segments or links it uses.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../disk/testing/fat-test-tools';
import { contentType, INDEX_URL, isAppNavigation, resolveAppFile, resolveAppPath } from './app-url';

let dir: string;
let renderer: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('app-url-'));
  renderer = join(dir, 'dist', 'renderer');
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html>');
  await writeFile(join(renderer, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(renderer, 'assets', 'name with space.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'not for the window');
  await symlink(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
  await symlink(dir, join(renderer, 'up'));
});
afterAll(async () => cleanup());

describe('app://pcw/ URLs', () => {
  it('serve the renderer\'s files, the root as index.html', async () => {
    expect(resolveAppPath(INDEX_URL, renderer)).toBe(join(renderer, 'index.html'));
    expect(resolveAppPath('app://pcw/', renderer)).toBe(join(renderer, 'index.html'));
    expect(resolveAppPath('app://pcw/assets/index-abc123.js?v=1#x', renderer)).toBe(join(renderer, 'assets', 'index-abc123.js'));
    expect(await resolveAppFile('app://pcw/assets/name%20with%20space.css', renderer)).toBe(join(renderer, 'assets', 'name with space.css'));
    expect(await resolveAppFile('app://pcw/assets/missing.js', renderer)).toBeUndefined();
  });

  it.each([
    'app://pcw/../secret.txt',
    'app://pcw/assets/../../secret.txt',
    'app://pcw/%2e%2e/secret.txt',
    'app://pcw/%2E%2E/%2E%2E/secret.txt',
    'app://pcw/..%2fsecret.txt',
    'app://pcw/assets/..%2F..%2Fsecret.txt',
    'app://pcw/..%5csecret.txt',
    'app://pcw/assets\\..\\..\\secret.txt',
    'app://pcw/%2Fetc%2Fpasswd',
    'app://pcw//etc/passwd',
    'app://pcw/C:%5CWindows%5Cwin.ini',
    'app://pcw/index.html%00.js',
    'app://pcw/%E0%A4%A',
    'app://pcw/./index.html/',
    'app://other/index.html',
    'app://pcw:8080/index.html',
    'app://user:pw@pcw/index.html',
    'file:///etc/passwd',
    'https://pcw/index.html',
    'not a url',
  ])('refuse %s', async (url) => {
    const lexical = resolveAppPath(url, renderer);
    // Whatever is answered lexically stays inside the renderer folder ...
    if (lexical !== undefined) expect(lexical.startsWith(renderer + '/')).toBe(true);
    // ... and nothing outside it is ever served.
    const file = await resolveAppFile(url, renderer);
    expect(file === undefined || file.startsWith(renderer + '/')).toBe(true);
    expect(file).not.toBe(join(dir, 'secret.txt'));
  });

  it('never follow a link out of the renderer folder', async () => {
    expect(resolveAppPath('app://pcw/assets/link.txt', renderer)).toBe(join(renderer, 'assets', 'link.txt'));
    expect(await resolveAppFile('app://pcw/assets/link.txt', renderer)).toBeUndefined();
    expect(await resolveAppFile('app://pcw/up/secret.txt', renderer)).toBeUndefined();
  });

  it('name content types, and allow navigation only to the app\'s own page', () => {
    expect(contentType('index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('a/b.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('x.bin')).toBe('application/octet-stream');
    expect(isAppNavigation(INDEX_URL)).toBe(true);
    for (const url of ['app://pcw/other.html', 'https://microk8s.io/', 'file:///etc/passwd', 'app://pcw/index.html/..']) expect(isAppNavigation(url)).toBe(false);
  });
});
