/**
 * The real world: this computer's clock, its drives (drivelist), its network interfaces, its
 * neighbour table and name servers, and nodes reached at the addresses they have. Powering a
 * node off or on is something the user does with their hands, so `power` is undefined.
 */
import os from 'node:os';
import { list as drivelistList } from 'drivelist';
import { ejectRealDrive } from '../cards/card-eject';
import type { DriveInfo } from '../cards/drive-info';
import { realPace } from '../cluster/node-session';
import { candidateSubnets } from '../discovery/interfaces';
import { NameLookup } from '../discovery/name-lookup';
import { readSystemNeighbourTable } from '../discovery/system-neighbour-table';
import type { Environment, SearchNetwork } from './environment';

export interface RealEnvironmentOptions {
  /** Network interfaces (os.networkInterfaces() by default). */
  interfaces?: () => ReturnType<typeof os.networkInterfaces>;
  /** Drive enumeration (drivelist by default). */
  listDrives?: () => Promise<DriveInfo[]>;
}

export function createRealEnvironment(options: RealEnvironmentOptions = {}): Environment {
  const interfaces = options.interfaces ?? os.networkInterfaces;
  return {
    label: 'real',
    kubeconfigName: (clusterName) => clusterName,
    ready: async () => undefined,
    pace: realPace,
    sshPort: () => 22,
    drives: {
      list: options.listDrives ?? (async () => (await drivelistList()) as DriveInfo[]),
      isLabReader: () => false,
      cardIdentity: () => null,
      eject: ejectRealDrive,
      onChange: () => () => undefined,
    },
    searchNetworks: (): SearchNetwork[] =>
      candidateSubnets(interfaces()).map((s) => ({
        cidr: s.cidr,
        interfaceName: s.interfaceName,
        localAddress: s.localAddress,
        ...(s.narrowedFrom ? { narrowedFrom: s.narrowedFrom } : {}),
        practice: false,
      })),
    readNeighbourTable: readSystemNeighbourTable,
    nameLookup: async ({ chosen, signal }) => {
      // mDNS leaves only from the chosen networks' own interfaces; DNS asks the system's servers.
      const from = chosen.map((n) => n.localAddress).filter(Boolean);
      const lookup = new NameLookup({ ...(from.length ? { mdns: { interfaces: from } } : {}), signal });
      return {
        lookup,
        dns: { kind: lookup.dnsServers.length ? 'system' : 'none', servers: [...lookup.dnsServers] },
        mdns: from.length ? { from } : { from: [], none: 'no-local-interface' },
      };
    },
    reach: (host, port) => ({ host, port }),
    kubeApiServer: ({ sshHost }) => `https://${sshHost.includes(':') ? `[${sshHost}]` : sshHost}:16443`,
    imageCatalogue: async () => undefined,
    power: undefined,
    close: async () => undefined,
  };
}
