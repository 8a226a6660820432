import { describe, expect, it } from 'vitest';
import { isLocallyAdministered, isRaspberryPiMac, normaliseMac } from './pi-mac';

describe('Raspberry Pi MAC recognition', () => {
  it('recognises every Raspberry Pi OUI in any notation', () => {
    for (const mac of ['b8:27:eb:12:34:56', 'DC-A6-32-01-02-03', 'e4:5f:1:a:b:c', '28:cd:c1:00:00:01', 'd8:3a:dd:ff:ee:dd', '2c:cf:67:10:20:30', '88:a2:9e:00:11:22']) {
      expect(isRaspberryPiMac(mac), mac).toBe(true);
    }
  });

  it('matches the 28-bit and 36-bit sub-blocks only inside the block', () => {
    expect(isRaspberryPiMac('f0:40:af:9a:bc:de')).toBe(true);
    expect(isRaspberryPiMac('f0:40:af:8a:bc:de')).toBe(false);
    expect(isRaspberryPiMac('8c:1f:64:34:a1:23')).toBe(true);
    expect(isRaspberryPiMac('8c:1f:64:34:b1:23')).toBe(false);
  });

  it('ignores other vendors, randomised MACs and malformed text', () => {
    expect(isRaspberryPiMac('a0:b5:49:7c:21:0e')).toBe(false);
    expect(isRaspberryPiMac('da:a1:19:3e:55:02')).toBe(false); // locally administered
    expect(isLocallyAdministered('da:a1:19:3e:55:02')).toBe(true);
    expect(isRaspberryPiMac('b8:27:eb:12:34')).toBe(false);
    expect(isRaspberryPiMac('(incomplete)')).toBe(false);
  });

  it('normalises unpadded macOS notation', () => {
    expect(normaliseMac('b8:27:eb:1:2:3')).toBe('b8:27:eb:01:02:03');
    expect(normaliseMac('zz:27:eb:1:2:3')).toBeUndefined();
  });
});
