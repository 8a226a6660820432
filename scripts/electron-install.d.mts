/** Where Electron's download comes from, for messages: the mirror's host, or github.com. */
export function downloadSource(env?: Record<string, string | undefined>): string;
/** The installer's reason for failing, in one line. */
export function failureReason(stderr: string, code: number | null): string;
/** Runs Electron's own installer with a progress line. */
export function installElectron(options?: { env?: Record<string, string | undefined>; out?: NodeJS.WritableStream & { isTTY?: boolean } }): Promise<{ ok: true } | { ok: false; reason: string }>;
