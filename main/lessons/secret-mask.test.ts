/** What the window sees of a Secret: its keys, never its values (YAML and live plans alike). */
import { describe, expect, it } from 'vitest';
import { manifestText } from './lessons-service';
import { SECRET_MASK, maskPlans, maskSecrets } from './secret-mask';

describe('secret masking', () => {
  it('masks data and stringData values of Secrets and leaves other kinds alone', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { htpasswd: 'cGk6JGFwcjEk' }, stringData: { token: 'abc' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'index.html': '<h1>hi</h1>' } },
    ];
    const text = manifestText(maskSecrets(objects));
    expect(text).toContain(`htpasswd: "${SECRET_MASK}"`);
    expect(text).toContain(`token: "${SECRET_MASK}"`);
    expect(text).not.toContain('cGk6JGFwcjEk');
    expect(text).not.toContain('abc');
    expect(text).toContain('<h1>hi</h1>');
    // The objects themselves (what is applied) keep their values.
    expect(objects[0]!.data.htpasswd).toBe('cGk6JGFwcjEk');
  });

  it('masks the live and desired values of Secret fields in plans and drift', () => {
    const change = (path: string, live: unknown, desired: unknown) => ({ path, change: 'change' as const, live, desired, owners: [], foreign: false });
    const [secret, cm] = maskPlans([
      { kind: 'Secret', changes: [change('.data.htpasswd', 'old', 'new'), change('.metadata.labels.a', 'x', 'y')], drift: [change('.data', { htpasswd: 'old' }, { htpasswd: 'new' })] },
      { kind: 'ConfigMap', changes: [change('.data.a', 'x', 'y')], drift: [] },
    ]);
    expect(secret!.changes[0]).toMatchObject({ live: SECRET_MASK, desired: SECRET_MASK });
    expect(secret!.changes[1]).toMatchObject({ live: 'x', desired: 'y' });
    expect(secret!.drift[0]).toMatchObject({ live: { htpasswd: SECRET_MASK }, desired: { htpasswd: SECRET_MASK } });
    expect(cm!.changes[0]).toMatchObject({ live: 'x', desired: 'y' });
  });
});
