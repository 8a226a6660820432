import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures';

test.describe('Plan step', () => {
  test('shows the whole journey with only the Plan step open', async ({ app }) => {
    const page = await app.start();
    const rail = page.getByRole('navigation', { name: 'Your journey' });
    await expect(rail.getByRole('button')).toHaveCount(12);
    await expect(rail.getByRole('button', { name: /1\. Plan/ })).toHaveAttribute('aria-current', 'step');
    const ha = rail.getByRole('button', { name: /12\. High availability/ });
    await expect(ha).toHaveAttribute('aria-disabled', 'true');
    await expect(ha).toContainText('Turn one node off');
    await ha.click({ force: true });
    await expect(rail.getByRole('button', { name: /1\. Plan/ })).toHaveAttribute('aria-current', 'step');
  });

  test('explains each bad input inline and saves nothing', async ({ app }) => {
    const page = await app.start();
    await page.getByLabel('Hostname 1').fill('Pi_01');
    await page.getByLabel('Hostname 1').blur();
    await expect(page.getByText('Use lowercase letters only ("pi-01")')).toBeVisible();
    await page.getByLabel('Hostname 1').fill('pi-02');
    await page.getByLabel('Hostname 1').blur();
    await expect(page.getByText('"pi-02" is also used by node 2')).toBeVisible();

    await page.getByLabel('Wi-Fi', { exact: true }).check();
    await page.getByLabel('Wi-Fi network name (SSID)').fill('HomeNet');
    await page.getByLabel('Wi-Fi passphrase').fill('1234567');
    await page.getByLabel('Wi-Fi passphrase').blur();
    await expect(page.getByText('A Wi-Fi passphrase has 8 to 63 characters (or is 64 hex digits); this one has 7.')).toBeVisible();

    await page.getByLabel('Fixed addresses').check();
    await page.getByLabel('Gateway (router)').fill('192.0.2.1');
    await page.getByLabel('DNS servers (comma-separated)').fill('192.0.2.1');
    await page.getByLabel('Address 1').fill('192.0.2.21');
    await page.getByLabel('Address 2').fill('198.51.100.22');
    await page.getByLabel('Address 2').blur();
    await expect(page.getByText('198.51.100.22 is outside the network 192.0.2.0/24 of the gateway')).toBeVisible();

    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByTestId('save-status')).toContainText('Fix the highlighted fields to save: 4 problems.');
    await expect(page.getByRole('navigation').getByRole('button', { name: /1\. Plan/ })).not.toContainText('Done');

    // Nothing was saved: either no state file yet, or one without a plan.
    const saved = await readFile(path.join(app.dataDir, 'state.json'), 'utf8').then((s) => JSON.parse(s).plan, () => null);
    expect(saved).toBeNull();
  });

  test('saves a valid plan, restores it after a reload and a restart, and never shows secrets back', async ({ app }) => {
    let page = await app.start();
    await page.getByLabel('Cluster name').fill('home-lab');
    await page.getByLabel('Number of nodes').fill('3');
    await page.getByLabel('Use 3 control planes for high availability').check();
    await page.getByLabel('Hostname 3').fill('kitchen-pi');
    await page.getByLabel('Wi-Fi', { exact: true }).check();
    await page.getByLabel('Wi-Fi network name (SSID)').fill('Café "5G": #1');
    await page.getByLabel('Wi-Fi passphrase').fill('correct horse battery');
    await page.getByLabel('Hidden network').check();
    await page.getByLabel('Password for user ubuntu (optional)').fill('raspberry-42');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');
    await expect(page.getByTestId('fingerprint')).toContainText('SHA256:');
    await expect(page.getByRole('navigation').getByRole('button', { name: /1\. Plan/ })).toContainText('Done');

    const state = await readFile(path.join(app.dataDir, 'state.json'), 'utf8');
    expect(state).not.toContain('correct horse battery');
    expect(state).not.toContain('raspberry-42');
    expect(JSON.parse(state).worlds.real.plan.data.plan.nodes.map((n: { role: string }) => n.role)).toEqual(['control-plane', 'control-plane', 'control-plane']);

    await page.reload();
    await expect(page.getByLabel('Cluster name')).toHaveValue('home-lab');
    await expect(page.getByLabel('Hostname 3')).toHaveValue('kitchen-pi');
    await expect(page.getByLabel('Wi-Fi network name (SSID)')).toHaveValue('Café "5G": #1');
    await expect(page.getByLabel('Wi-Fi passphrase')).toHaveValue('');
    await expect(page.getByText('Saved. Leave empty to keep it.')).toBeVisible();

    page = await app.start();
    await expect(page.getByLabel('Cluster name')).toHaveValue('home-lab');
    await expect(page.getByLabel('Use 3 control planes for high availability')).toBeChecked();
    await expect(page.getByText('A password is saved. Type a new one to replace it.')).toBeVisible();
  });

  test('switches to Simplified Chinese and dark theme, and keeps both', async ({ app }) => {
    let page = await app.start();
    await page.getByTestId('language').selectOption('zh-CN');
    await expect(page.getByRole('heading', { name: '规划你的集群' })).toBeVisible();
    await page.getByLabel('主机名 1').fill('Pi_01');
    await page.getByLabel('主机名 1').blur();
    await expect(page.getByText('只能使用小写字母')).toBeVisible();
    await page.getByTestId('theme').selectOption('dark');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    page = await app.start();
    await expect(page.getByRole('heading', { name: '规划你的集群' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  });

  test('every control is reachable by keyboard with a visible focus ring', async ({ app }) => {
    const page = await app.start();
    await page.locator('body').click();
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return { label: el.getAttribute('aria-label') ?? el.id ?? el.textContent ?? '', outline: style.outlineStyle, width: style.outlineWidth };
      });
      if (!info) continue;
      expect(info.outline, `focus ring on ${info.label}`).not.toBe('none');
      seen.add(info.label);
    }
    expect([...seen].some((l) => l.includes('Hostname 1'))).toBe(true);
    expect([...seen].some((l) => l.includes('plan-clusterName'))).toBe(true);
  });

  test('a state file that cannot be read is kept aside and reported', async ({ app }) => {
    const { writeFile, readdir } = await import('node:fs/promises');
    await writeFile(path.join(app.dataDir, 'state.json'), '{ "version": 1, "plan": ');
    const page = await app.start();
    await expect(page.getByRole('alert').filter({ hasText: 'The saved progress was damaged' })).toBeVisible();
    expect((await readdir(app.dataDir)).some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
    await expect(page.getByRole('navigation').getByRole('button', { name: /1\. Plan/ })).toContainText('Needs attention');
  });
});
