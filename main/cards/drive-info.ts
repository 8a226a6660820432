/**
 * One drive as drivelist's `list()` reports it. drivelist types `isCard` as always null; real
 * enumerators (and the practice lab's card readers) also report true/false, so it is widened here.
 * `mmcType` is added by drive-scan on Linux: the kernel's card type of an mmcblk device ("MMC" for
 * built-in eMMC, "SD" for an SD card), which drivelist does not report.
 */
import type { Drive } from 'drivelist';

export type DriveInfo = Omit<Drive, 'isCard'> & { isCard: boolean | null; mmcType?: string | null };
