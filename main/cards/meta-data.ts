/**
 * `meta-data` of the NoCloud seed. cloud-init re-runs its per-instance modules (users,
 * write_files, ...) only when `instance-id` changes, so every write gets a new id; `dsmode:
 * local` is kept from what Ubuntu ships (user-data applied before the network is up).
 * Note: Ubuntu's shipped file spells the key `instance_id`; cloud-init's NoCloud reads
 * `instance-id`, which is what is written here.
 */
import { randomBytes } from 'node:crypto';
import { toYaml } from './boot-yaml';

export function newInstanceId(hostname: string): string {
  return `pcw-${hostname}-${randomBytes(6).toString('hex')}`;
}

export function metaData(hostname: string, instanceId = newInstanceId(hostname)): string {
  return `# Written by Pi Cluster Wizard: a new instance-id makes cloud-init apply user-data again.\n${toYaml({
    'instance-id': instanceId,
    'local-hostname': hostname,
    dsmode: 'local',
  })}`;
}
