/**
 * YAML output for the cloud-init seed files. cloud-init reads them with PyYAML, a YAML 1.1
 * parser, where `yes`, `on`, `12:30` or `0755` are not strings; serialising with the yaml
 * library's 1.1 schema quotes exactly those, so an SSID or hostname always reaches netplan and
 * cloud-init as the string the user typed. Never build these files with string templates.
 */
import { stringify } from 'yaml';

export function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, indent: 2 });
}

/** Thrown when the plan cannot be turned into a boot configuration (the message says why). */
export class BootConfigError extends Error {
  override readonly name = 'BootConfigError';
}
