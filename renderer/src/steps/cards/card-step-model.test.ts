import { describe, expect, it } from 'vitest';
import type { CardDrive, CardReport } from '../../../../preload/contract/cards';
import { batchAssignments, formatBytes, largeDrives, nextNode, nodeRows, prepareParams, reportsExport, suggestedDrive, targetDrives } from './card-step-model';

function drive(device: string, change: Partial<CardDrive> = {}): CardDrive {
  return {
    device, description: device, size: 32e9, busType: 'SD', mountpoints: [], practice: false, isCard: true, offered: true, writable: true,
    problems: [], warnings: [], largeDriveConfirmation: false, content: { kind: 'ubuntu', release: '24.04', summary: 'Ubuntu Server 24.04 LTS (noble) for Raspberry Pi' }, ...change,
  };
}
const report = (hostname: string) => ({ hostname }) as CardReport;

describe('card step model', () => {
  it('lists nodes in plan order with their reports and finds the next one to prepare', () => {
    const rows = nodeRows([{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }], [report('pi-01')]);
    expect(rows.map((r) => [r.hostname, Boolean(r.report)])).toEqual([['pi-01', true], ['pi-02', false]]);
    expect(nextNode(rows)?.hostname).toBe('pi-02');
    expect(nextNode(nodeRows([{ hostname: 'pi-01', role: 'worker' }], [report('pi-01')]))).toBeUndefined();
  });

  it('offers only allowed drives, writable first, and suggests an unprepared Ubuntu card', () => {
    const drives = [
      drive('/dev/sda', { offered: false, problems: [{ code: 'SYSTEM_DRIVE', message: 'system' }] }),
      drive('/dev/sdc', { writable: false, problems: [{ code: 'READ_ONLY', message: 'locked' }] }),
      drive('/dev/sdd', { content: { kind: 'blank', summary: 'Blank card' } }),
      drive('/dev/sde', { content: { kind: 'ubuntu', release: '24.04', summary: 'x', preparedFor: 'pi-01' } }),
      drive('/dev/sdf'),
    ];
    expect(targetDrives(drives).map((d) => d.device)).toEqual(['/dev/sdd', '/dev/sde', '/dev/sdf', '/dev/sdc']);
    expect(suggestedDrive(drives, 'pi-02')?.device).toBe('/dev/sdf');
    expect(suggestedDrive(drives, 'pi-01')?.device).toBe('/dev/sde');
    expect(suggestedDrive([drives[2]!], 'pi-02')).toBeUndefined();
  });

  it('pairs the nodes still to do with the inserted Ubuntu cards for a parallel batch', () => {
    const rows = nodeRows([{ hostname: 'pi-01', role: 'control-plane' }, { hostname: 'pi-02', role: 'worker' }, { hostname: 'pi-03', role: 'worker' }], [report('pi-01')]);
    const drives = [
      drive('/dev/sdb'),
      drive('/dev/sdc', { content: { kind: 'ubuntu', release: '22.04', summary: 'x', preparedFor: 'pi-03' } }),
      drive('/dev/sdd', { writable: false }),
      drive('/dev/sde', { content: { kind: 'other', summary: 'Raspberry Pi OS' } }),
    ];
    expect(batchAssignments(rows, drives).map((a) => [a.hostname, a.drive.device])).toEqual([
      ['pi-02', '/dev/sdb'],
      ['pi-03', '/dev/sdc'],
    ]);
    expect(batchAssignments(rows, [drive('/dev/sdb')]).map((a) => a.hostname)).toEqual(['pi-02']);
    expect(batchAssignments(rows, [])).toEqual([]);
  });

  it('formats sizes and exports reports as JSON', () => {
    expect([formatBytes(31914983424), formatBytes(256e9), formatBytes(512e6), formatBytes(null)]).toEqual(['31.9 GB', '256 GB', '512 MB', '—']);
    const file = reportsExport('home-lab', [report('pi-01')]);
    expect(file.filename).toBe('home-lab-sd-cards.json');
    expect(JSON.parse(file.text)).toEqual({ cluster: 'home-lab', cards: [{ hostname: 'pi-01' }] });
  });

  it('a drive over 256 GB needs the second confirmation, and only then carries its size to main', () => {
    const card = drive('/dev/sdb');
    const disk = drive('/dev/sdc', { size: 512_110_190_592, largeDriveConfirmation: true });
    const assignments = [{ hostname: 'pi-01', drive: card }, { hostname: 'pi-02', drive: disk }];
    expect(largeDrives(assignments).map((d) => d.device)).toEqual(['/dev/sdc']);
    expect(prepareParams(assignments[0]!, false)).toEqual({ hostname: 'pi-01', device: '/dev/sdb', confirmDevice: '/dev/sdb' });
    expect(prepareParams(assignments[1]!, false)).toEqual({ hostname: 'pi-02', device: '/dev/sdc', confirmDevice: '/dev/sdc' });
    expect(prepareParams(assignments[1]!, true)).toEqual({ hostname: 'pi-02', device: '/dev/sdc', confirmDevice: '/dev/sdc', confirmLargeDrive: 512_110_190_592 });
    expect(prepareParams(assignments[0]!, true)).not.toHaveProperty('confirmLargeDrive');
  });
});
