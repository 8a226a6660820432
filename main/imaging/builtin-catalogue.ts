/**
 * The catalogue the app ships: Ubuntu Server 24.04 LTS and 22.04 LTS, preinstalled arm64+raspi,
 * newest point releases, from Ubuntu's release area (point-release directories, which keep their
 * files; the codename directories move on). Written in Raspberry Pi Imager's OS list format so it
 * reads like any other list. Download hashes are Ubuntu's SHA256SUMS values (ubuntu.com
 * releases.yaml); the 22.04.5 sizes and extract hash are those of Imager's own list for that file.
 * What is not known is named in `pcw_unknown`: imaging computes it on the first download whose
 * download hash matches, records it, and checks later writes against it.
 */
import type { Catalogue } from './catalogue';
import { parseCatalogue } from './catalogue';

export const BUILTIN_CATALOGUE_SOURCE = 'builtin';

const PI_DESCRIPTION_24 = 'Server OS for Raspberry Pi Zero 2 W/3/4/400/5 (64-bit), cloud-init on the system-boot partition';
const PI_DESCRIPTION_22 = 'Server OS for Raspberry Pi Zero 2 W/3/4/400 (64-bit), cloud-init on the system-boot partition';

export const BUILTIN_OS_LIST = {
  os_list: [
    {
      name: 'Ubuntu',
      description: 'Ubuntu Server LTS for Raspberry Pi',
      subitems: [
        {
          name: 'Ubuntu Server 24.04.4 LTS (64-bit)',
          description: `${PI_DESCRIPTION_24}. Image size and decompressed hash are computed on the first download.`,
          url: 'https://cdimage.ubuntu.com/releases/24.04.4/release/ubuntu-24.04.4-preinstalled-server-arm64+raspi.img.xz',
          image_download_sha256: '790652faeb4f61ce7bb12f5cb61734595c61d3cd882915b8b5f9918106c80d37',
          release_date: '2026-02-12',
          init_format: 'cloudinit',
          devices: ['pi5-64bit', 'pi4-64bit', 'pi3-64bit'],
          pcw_unknown: ['image_download_size', 'extract_size', 'extract_sha256'],
        },
        {
          name: 'Ubuntu Server 22.04.5 LTS (64-bit)',
          description: PI_DESCRIPTION_22,
          url: 'https://cdimage.ubuntu.com/releases/22.04.5/release/ubuntu-22.04.5-preinstalled-server-arm64+raspi.img.xz',
          image_download_size: 1_038_926_560,
          image_download_sha256: 'fd7687c5c9422a6c7ba4717c227bf6473fe4e0c954d5a9f664201dcecc63e822',
          extract_size: 4_683_988_992,
          extract_sha256: 'e4ac1280ee701f5a891b4a9c3ba98db736ea46e746ea2decf45c122da29197eb',
          release_date: '2024-09-12',
          init_format: 'cloudinit',
          devices: ['pi4-64bit', 'pi3-64bit'],
        },
      ],
    },
  ],
};

export async function builtinCatalogue(): Promise<Catalogue> {
  const catalogue = await parseCatalogue(BUILTIN_OS_LIST, 'https://cdimage.ubuntu.com/releases/');
  return { ...catalogue, source: BUILTIN_CATALOGUE_SOURCE };
}
