/**
 * The practice world's Environment: the lab's clock, its card readers, its network (subnet,
 * neighbour table, router DNS), its Kubernetes API, and power switches for its Pis. The only
 * way product code meets the lab; see main/environment/environment.ts for the contract.
 */
import type { DriveSource, Environment, SearchNetwork } from '../environment/environment';
import type { VirtualCardReaders } from '../lab/cards/virtual-card-readers';
import { NameLookup } from '../discovery/name-lookup';
import { realPace } from '../cluster/node-session';
import type { PracticeService } from './practice-service';

/** The practice card readers as a drive source: cards appear as removable SD cards. */
export function readersDriveSource(readers: VirtualCardReaders): DriveSource {
  return {
    list: () => readers.list(),
    isLabReader: (device) => readers.isVirtualDevice(device),
    cardIdentity: (device) => {
      const slot = readers.slots().find((s) => s.card?.device === device);
      return slot?.card ? `${slot.card.imagePath}#${slot.card.insertion}` : null;
    },
    eject: async (drive) => {
      await readers.ejectDevice(drive.device);
      return { ejected: true, code: 'practice-ejected', message: 'The practice card was ejected from its reader.' };
    },
    onChange: (listener) => {
      readers.on('change', listener);
      return () => readers.off('change', listener);
    },
  };
}

export async function createPracticeEnvironment(practice: PracticeService): Promise<Environment> {
  await practice.enter();
  return {
    label: 'practice',
    kubeconfigName: (clusterName) => `${clusterName}-practice`,
    ready: async () => {
      await practice.lab();
    },
    // Long waits follow the lab's clock once the lab runs (it may run faster than real time).
    pace: {
      now: () => practice.labClock()?.now() ?? realPace.now(),
      sleep: (ms, signal) => (practice.labClock() ?? realPace).sleep(ms, signal),
    },
    drives: readersDriveSource(practice.readers),
    searchNetworks: (): SearchNetwork[] => {
      const lab = practice.labNetwork();
      return lab ? [{ cidr: lab.subnet, interfaceName: 'practice lab', localAddress: '', practice: true }] : [];
    },
    sshPort: () => practice.labNetwork()?.sshPort ?? 22,
    readNeighbourTable: async () => practice.labNetwork()?.neighbourTable() ?? '',
    nameLookup: async ({ signal }) => {
      // Only the lab router's DNS (like dnsmasq), never this computer's; its Pis run no avahi, so no mDNS.
      const dns = await practice.labNetwork()?.dns();
      const servers = dns ? [`${dns.host}:${dns.port}`] : [];
      return { lookup: new NameLookup({ dnsServers: servers, signal }), dns: { kind: servers.length ? 'lab' : 'none', servers }, mdns: { from: [], none: 'no-avahi-in-lab' } };
    },
    reach: (host, port) => practice.reach(host, port),
    kubeApiServer: ({ sshHost }) => practice.kubeApiUrl(sshHost) ?? `https://${sshHost}:16443`,
    imageCatalogue: () => practice.imageCatalogueUrl(),
    power: {
      set: async (hostname, on) => {
        await practice.powerByHostname(hostname, on);
      },
    },
    close: () => practice.leave(),
  };
}
