/**
 * SHA256SUMS files as Ubuntu publishes them next to its images (`sha256sum` output). Ubuntu
 * writes binary-mode lines (`<hash> *<name>`), coreutils' default is text mode (`<hash>  <name>`);
 * both are accepted, as Canonical's own parser does. One file covers every image of a release
 * directory, so an image is looked up by its file name.
 */

export interface Sha256Sum {
  sha256: string;
  name: string;
}

const LINE = /^([0-9a-fA-F]{64}) (?:\*| )(.+)$/;

/** Every well-formed line; comments, blank and malformed lines are skipped. */
export function parseSha256Sums(text: string): Sha256Sum[] {
  const sums: Sha256Sum[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    sums.push({ sha256: match[1]!.toLowerCase(), name: match[2]!.replace(/^\.\//, '') });
  }
  return sums;
}

/** The hash listed for `fileName` (the last path segment of an image URL), if any. */
export function findSha256(text: string, fileName: string): string | undefined {
  const wanted = decodeURIComponent(fileName.split('/').pop() ?? fileName);
  return parseSha256Sums(text).find((s) => s.name === wanted || s.name.split('/').pop() === wanted)?.sha256;
}
