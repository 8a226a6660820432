import { describe, expect, it } from 'vitest';
import { isAllowedExternal } from './external-links';

describe('external links', () => {
  it.each(['https://microk8s.io/docs', 'https://kubernetes.io/', 'https://microk8s.io', 'https://github.com/canonical/microk8s/issues/1'])('opens %s', (url) => {
    expect(isAllowedExternal(url)).toBe(true);
  });

  it.each([
    'http://microk8s.io/docs',
    'https://microk8s.io.evil.example/',
    'https://evil.example/?https://microk8s.io',
    'https://user:pw@microk8s.io/',
    'https://github.com/canonical/microk8s-evil',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isAllowedExternal(url)).toBe(false);
  });
});
