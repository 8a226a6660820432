/** Sites the app may open in the system browser; everything else is refused. */
export const EXTERNAL_ALLOWLIST = ['https://microk8s.io', 'https://kubernetes.io', 'https://ubuntu.com', 'https://www.raspberrypi.com', 'https://github.com/canonical/microk8s'];

export function isAllowedExternal(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  const normalized = parsed.toString();
  return EXTERNAL_ALLOWLIST.some((prefix) => normalized === `${prefix}/` || normalized.startsWith(`${prefix}/`));
}
