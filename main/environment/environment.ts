/**
 * The one seam between real hardware and the practice lab. Everything that differs — the pace
 * of waiting, which drives exist, which networks and name servers to search, where a cluster's
 * Kubernetes API and a node's services are reached from this computer, and how a node is powered
 * off and on — is asked of an Environment. The composition root chooses the real one
 * (real-environment.ts) or the practice one (main/practice/practice-environment.ts) once, per
 * world; product code never asks "is this practice?".
 */
import type { EjectResult } from '../cards/card-eject';
import type { DriveInfo } from '../cards/drive-info';
import type { Pace } from '../cluster/node-session';
import type { NameLookup } from '../discovery/name-lookup';

export interface SearchNetwork {
  cidr: string;
  /** The interface (or lab) it was found on, shown to the user. */
  interfaceName: string;
  /** This computer's own address there ('' when it has none, as for the lab): never probed. */
  localAddress: string;
  narrowedFrom?: string;
  /** True for the practice lab's network, so the window can label it. */
  practice: boolean;
}

export interface NameLookupPlan {
  lookup: NameLookup;
  /** Stable code of which servers are asked, for the window: `dns`, `lab-dns`, `none`. */
  dns: { kind: 'system' | 'lab' | 'none'; servers: string[] };
  /** Interfaces mDNS is sent from ([] = none), and why none when empty. */
  mdns: { from: string[]; none?: 'no-avahi-in-lab' | 'no-local-interface' };
}

export interface DriveSource {
  list(): Promise<DriveInfo[]>;
  /** Devices of the lab's own card readers: always cards, never a system disk. */
  isLabReader(device: string): boolean;
  /** The card currently in the device (changes when it is pulled and put back), for caching what is on it. */
  cardIdentity(device: string): string | null;
  eject(drive: DriveInfo): Promise<EjectResult>;
  /** Called when the source knows its list changed (the scanner also polls). */
  onChange(listener: () => void): () => void;
}

export interface Environment {
  readonly label: 'real' | 'practice';
  /** The name of a cluster's kubeconfig entries (a practice cluster's says so, so it never passes for a real one). */
  kubeconfigName(clusterName: string): string;
  /** Gets the environment's machinery running (the lab starts on first use); call before a job needs it. */
  ready(): Promise<void>;
  /** The clock long waits run on (the lab's may run faster than real time). */
  readonly pace: Pace;
  /** Drives this world writes cards to. */
  readonly drives: DriveSource;
  /** Networks the user may choose to search. */
  searchNetworks(): SearchNetwork[];
  /** SSH port nodes listen on (known once `ready()` resolved). */
  sshPort(): number;
  /** The neighbour (ARP) table of this computer, or the lab's. */
  readNeighbourTable(): Promise<string>;
  /** How planned hostnames are looked up by name for one search. */
  nameLookup(options: { chosen: readonly SearchNetwork[]; signal?: AbortSignal }): Promise<NameLookupPlan>;
  /**
   * Where this computer reaches a node's service given the LAN address and port the cluster
   * uses (identity on real hardware; the lab's loopback mapping in practice).
   */
  reach(host: string, port: number): { host: string; port: number };
  /** The Kubernetes API server URL to save in the kubeconfig for a control plane reached at `sshHost`. */
  kubeApiServer(controlPlane: { sshHost: string; lanAddress?: string }): string;
  /** A catalogue of images this world offers besides the built-in one (the lab serves its own). */
  imageCatalogue(): Promise<string | undefined>;
  /** Power a node off or on, where the environment can (the lab); undefined where a person must. */
  readonly power: { set(hostname: string, on: boolean): Promise<void> } | undefined;
  close(): Promise<void>;
}
