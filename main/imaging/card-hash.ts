/**
 * The hash that checks a card against what was written to it: XXH3 (64 bits), as etcher-sdk
 * verifies its writes. The image itself is checked against the catalogue's SHA-256 while it
 * streams (write-image.ts); the read-back then only has to show that the card holds the bytes
 * that went out, for which XXH3 is as good a witness and about eight times cheaper than SHA-256:
 * with several cards read back at once the hashing, not the reading, was what they waited on
 * (bench/imaging-bench.ts, three cards against one).
 */
import { xxh3 } from '@node-rs/xxhash';

export interface CardHash {
  update(data: Uint8Array): void;
  /** 16 hex digits. */
  digest(): string;
}

export function cardHash(): CardHash {
  const state = xxh3.Xxh3.withSeed(0n);
  return {
    update: (data) => void state.update(data),
    digest: () => state.digest().toString(16).padStart(16, '0'),
  };
}
