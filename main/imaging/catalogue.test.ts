import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { BUILTIN_OS_LIST, builtinCatalogue } from './builtin-catalogue';
import { checkCatalogueUrl, defaultEntry, loadCatalogue, parseCatalogue, releaseOf } from './catalogue';
import { findSha256, parseSha256Sums } from './sha256sums';

describe('SHA256SUMS', () => {
  const text = [
    '790652faeb4f61ce7bb12f5cb61734595c61d3cd882915b8b5f9918106c80d37 *ubuntu-24.04.4-preinstalled-server-arm64+raspi.img.xz',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA  ubuntu-24.04.4-preinstalled-desktop-arm64+raspi.img.xz',
    '# comment',
    'not a line',
    '',
  ].join('\n');
  it('reads binary-mode (*name) and text-mode (two spaces) lines, hashes in lower case', () => {
    expect(parseSha256Sums(text)).toEqual([
      { sha256: '790652faeb4f61ce7bb12f5cb61734595c61d3cd882915b8b5f9918106c80d37', name: 'ubuntu-24.04.4-preinstalled-server-arm64+raspi.img.xz' },
      { sha256: 'a'.repeat(64), name: 'ubuntu-24.04.4-preinstalled-desktop-arm64+raspi.img.xz' },
    ]);
  });
  it('finds an image by the file name of its URL path (URL-encoded +)', () => {
    expect(findSha256(text, '/releases/24.04.4/release/ubuntu-24.04.4-preinstalled-server-arm64%2Braspi.img.xz')).toBe('790652faeb4f61ce7bb12f5cb61734595c61d3cd882915b8b5f9918106c80d37');
    expect(findSha256(text, 'other.img.xz')).toBeUndefined();
  });
});

describe('built-in catalogue', () => {
  it('has Ubuntu Server 24.04 and 22.04 preinstalled raspi images from point-release directories, with Ubuntu download hashes', async () => {
    const catalogue = await builtinCatalogue();
    const [noble, jammy] = catalogue.entries;
    expect(noble).toMatchObject({ release: '24.04', format: 'xz', initFormat: 'cloudinit', downloadSha256: '790652faeb4f61ce7bb12f5cb61734595c61d3cd882915b8b5f9918106c80d37' });
    expect(noble!.url).toBe('https://cdimage.ubuntu.com/releases/24.04.4/release/ubuntu-24.04.4-preinstalled-server-arm64+raspi.img.xz');
    expect(noble!.unknown).toEqual(['extract_sha256', 'extract_size', 'image_download_size']);
    expect(jammy).toMatchObject({ release: '22.04', extractSize: 4_683_988_992, downloadSize: 1_038_926_560, unknown: [] });
    expect(defaultEntry(catalogue.entries, '22.04')).toBe(jammy);
    expect(defaultEntry(catalogue.entries, '24.04')).toBe(noble);
  });
  it('names the fields it does not know in the JSON itself', () => {
    expect(JSON.stringify(BUILTIN_OS_LIST)).toContain('"pcw_unknown":["image_download_size","extract_size","extract_sha256"]');
  });
});

describe('parsing Imager OS lists', () => {
  const entry = (over: object = {}) => ({
    name: 'Ubuntu Server 24.04.1 LTS (64-bit)',
    description: 'x',
    url: 'http://cdimage.ubuntu.com/releases/noble/release/ubuntu-24.04.1-preinstalled-server-arm64+raspi.img.xz',
    extract_size: 3675607040,
    extract_sha256: 'c7f8c136f305aee7b6c0541b4137b64bcdd7c290a33756bea4efd4290cdd0ccd',
    image_download_size: 1149176656,
    image_download_sha256: 'e59925e211080b20f02e4504bb2c8336b122d0738668491986ee29a95610e5b1',
    release_date: '2024-08-29',
    init_format: 'cloudinit',
    devices: ['pi5-64bit', 'pi4-64bit', 'pi3-64bit'],
    ...over,
  });

  it('flattens nested categories, resolves relative URLs, prunes unknown init formats and the erase item', async () => {
    const catalogue = await parseCatalogue(
      {
        imager: { latest_version: '2.0.0' },
        os_list: [
          { name: 'Erase', description: 'Format card', url: 'internal://format', extract_size: 0 },
          { name: 'Other', description: 'o', subitems: [{ name: 'Ubuntu', description: 'u', subitems: [entry(), entry({ url: 'images/mine.img.gz', name: 'Mine', init_format: 'systemd' }), entry({ url: 'x.img.xz', init_format: 'weird' })] }] },
        ],
      },
      'https://mirror.example/lists/os.json',
    );
    expect(catalogue.entries.map((e) => [e.name, e.path.join('/'), e.url, e.format])).toEqual([
      ['Ubuntu Server 24.04.1 LTS (64-bit)', 'Other/Ubuntu', 'http://cdimage.ubuntu.com/releases/noble/release/ubuntu-24.04.1-preinstalled-server-arm64+raspi.img.xz', 'xz'],
      ['Mine', 'Other/Ubuntu', 'https://mirror.example/lists/images/mine.img.gz', 'gz'],
    ]);
    expect(catalogue.entries[0]).toMatchObject({ release: '24.04', extractSize: 3675607040, unknown: [] });
  });

  it('refuses what is not an OS list, with the path of the problem', async () => {
    await expect(parseCatalogue({ oslist: [] }, 'https://x/')).rejects.toMatchObject({ code: 'CATALOGUE_INVALID', values: { path: 'os_list' } });
    await expect(parseCatalogue({ os_list: [entry({ extract_sha256: 'nothex' })] }, 'https://x/')).rejects.toMatchObject({ code: 'CATALOGUE_INVALID', values: { path: 'os_list.0.extract_sha256' } });
    await expect(parseCatalogue({ os_list: [entry({ url: 'ftp://x/y.img.xz' })] }, 'https://x/')).rejects.toMatchObject({ code: 'CATALOGUE_INVALID' });
    await expect(parseCatalogue({ os_list: [entry({ url: 'https://x/readme.txt' })] }, 'https://x/')).rejects.toMatchObject({ code: 'CATALOGUE_INVALID', values: { path: 'os_list.0.url' } });
    await expect(parseCatalogue({ os_list: [] }, 'https://x/')).rejects.toMatchObject({ code: 'CATALOGUE_EMPTY' });
  });

  it('checks catalogue URLs', () => {
    expect(() => checkCatalogueUrl('not a url')).toThrow(expect.objectContaining({ code: 'CATALOGUE_URL_INVALID' }));
    expect(() => checkCatalogueUrl('file:///etc/passwd')).toThrow(expect.objectContaining({ code: 'CATALOGUE_URL_INVALID', values: expect.objectContaining({ reason: 'scheme' }) }));
    expect(() => checkCatalogueUrl('https://user:pw@x/list.json')).toThrow(expect.objectContaining({ values: expect.objectContaining({ reason: 'credentials' }) }));
    expect(checkCatalogueUrl(' https://x/list.json ').href).toBe('https://x/list.json');
  });

  it('release from Canonical file names only', () => {
    expect(releaseOf('https://x/ubuntu-22.04.5-preinstalled-server-arm64+raspi.img.xz')).toBe('22.04');
    expect(releaseOf('https://x/ubuntu-20.04.5-preinstalled-server-arm64+raspi.img.xz')).toBeNull();
    expect(releaseOf('https://x/raspios.img.xz')).toBeNull();
  });

  describe('from a URL (subitems_url, errors)', () => {
    let url = '';
    const agent = new Agent();
    const server = createServer((req, res) => {
      const routes: Record<string, [number, string]> = {
        '/list.json': [200, JSON.stringify({ os_list: [{ name: 'Ubuntu', description: 'u', subitems_url: 'sub.json' }, { name: 'Broken', description: 'b', subitems_url: 'missing.json' }] })],
        '/sub.json': [200, JSON.stringify({ os_list: [entry()] })],
        '/html': [200, '<html>'],
      };
      const [status, body] = routes[req.url ?? ''] ?? [404, 'no'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.close();
      await agent.close();
    });

    it('fetches sub-lists; a missing one is listed as a problem, the rest is usable', async () => {
      const catalogue = await loadCatalogue(`${url}/list.json`, { dispatcher: agent });
      expect(catalogue.entries).toHaveLength(1);
      expect(catalogue.problems).toEqual([expect.objectContaining({ url: `${url}/missing.json`, code: 'CATALOGUE_UNREACHABLE' })]);
    });
    it('unreachable and non-JSON catalogues get their own codes', async () => {
      await expect(loadCatalogue(`${url}/nothing.json`, { dispatcher: agent })).rejects.toMatchObject({ code: 'CATALOGUE_UNREACHABLE', values: { status: 404 } });
      await expect(loadCatalogue(`${url}/html`, { dispatcher: agent })).rejects.toMatchObject({ code: 'CATALOGUE_NOT_JSON' });
    });
  });
});
