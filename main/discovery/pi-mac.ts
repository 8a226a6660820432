/**
 * Raspberry Pi MAC address recognition. Pis use Raspberry Pi Trading / Foundation OUIs (24-bit) plus
 * two IEEE sub-blocks (28-bit f0:40:af:9, 36-bit 8c:1f:64:34:a). Locally administered (randomised)
 * addresses are never attributed to a vendor.
 */

/** Hex-digit prefixes (no separators, lowercase): 6 digits = OUI, 7 = MA-M block, 9 = MA-S block. */
export const RASPBERRY_PI_MAC_PREFIXES: readonly string[] = [
  'b827eb',
  'dca632',
  'e45f01',
  '28cdc1',
  'd83add',
  '2ccf67',
  '88a29e',
  'f040af9',
  '8c1f6434a',
];

/**
 * Normalises a MAC written with `:` or `-`, padded or not (`b8:27:eb:1:2:3`, `B8-27-EB-01-02-03`)
 * to lowercase padded colon form. Returns undefined for anything that is not a 6-octet MAC.
 */
export function normaliseMac(raw: string): string | undefined {
  const parts = raw.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{1,2}$/.test(p))) return undefined;
  return parts.map((p) => p.padStart(2, '0')).join(':');
}

function firstOctet(mac: string): number {
  return parseInt(mac.slice(0, 2), 16);
}

/** Randomised / virtual MACs have the locally-administered bit (0x02 of the first octet) set. */
export function isLocallyAdministered(mac: string): boolean {
  return (firstOctet(mac) & 0x02) !== 0;
}

/** Multicast and broadcast MACs (bit 0x01 of the first octet) never belong to a host. */
export function isGroupAddress(mac: string): boolean {
  return (firstOctet(mac) & 0x01) !== 0;
}

/** True when the (normalisable) MAC belongs to a Raspberry Pi block and is not randomised. */
export function isRaspberryPiMac(raw: string): boolean {
  const mac = normaliseMac(raw);
  if (!mac || isLocallyAdministered(mac)) return false;
  const hex = mac.replace(/:/g, '');
  return RASPBERRY_PI_MAC_PREFIXES.some((prefix) => hex.startsWith(prefix));
}
