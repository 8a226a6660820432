import { describe, expect, it } from 'vitest';
import { parseSshBanner } from './ssh-banner';

describe('SSH banner', () => {
  it('names the Ubuntu release from the OpenSSH package version', () => {
    expect(parseSshBanner('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n')).toEqual({
      banner: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5',
      software: 'OpenSSH_9.6p1',
      comment: 'Ubuntu-3ubuntu13.5',
      os: 'ubuntu',
      ubuntuRelease: '24.04',
    });
    expect(parseSshBanner('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10')?.ubuntuRelease).toBe('22.04');
    expect(parseSshBanner('SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.11')?.ubuntuRelease).toBe('20.04');
  });

  it('recognises Ubuntu of an unknown release, Debian, Raspberry Pi OS and others', () => {
    const unknownRelease = parseSshBanner('SSH-2.0-OpenSSH_9.9p1 Ubuntu-3ubuntu3');
    expect(unknownRelease?.os).toBe('ubuntu');
    expect(unknownRelease).not.toHaveProperty('ubuntuRelease');
    expect(parseSshBanner('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')?.os).toBe('debian');
    expect(parseSshBanner('SSH-2.0-OpenSSH_7.9p1 Raspbian-10+deb10u2')?.os).toBe('raspbian');
    expect(parseSshBanner('SSH-2.0-dropbear_2022.83')).toMatchObject({ os: 'other', software: 'dropbear_2022.83' });
    expect(parseSshBanner('HTTP/1.1 400 Bad Request')).toBeUndefined();
  });
});
