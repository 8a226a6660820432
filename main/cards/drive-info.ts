/**
 * One drive as drivelist's `list()` reports it. drivelist types `isCard` as always null; real
 * enumerators (and the practice lab's card readers) also report true/false, so it is widened here.
 */
import type { Drive } from 'drivelist';

export type DriveInfo = Omit<Drive, 'isCard'> & { isCard: boolean | null };
