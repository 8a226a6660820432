/**
 * Steps 9 and 10 by clicking, in practice mode, from a formed cluster: step 9 in Chinese (the
 * quota, the "must specify" refusal, the LimitRange's defaults, the 403 exceeded quota, room per
 * node), step 10 in English (the password masked, 401 then the page, an edit seen pod by pod,
 * rollout restart).
 */
import { expect, formClusterByClicking, test } from './fixtures';

test('limit a namespace (in Chinese), then serve a page from a ConfigMap behind a Secret’s password', async ({ app }) => {
  test.setTimeout(600_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);

  // ---- Step 9, in Chinese
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByRole('navigation').getByRole('button', { name: /9\. 资源限制/ }).click();
  await expect(page.getByRole('heading', { name: '限制资源' })).toBeVisible();

  const quota = page.getByTestId('limits-quota');
  await expect(quota.locator('.yaml')).toContainText('kind: ResourceQuota');
  await quota.locator('[data-path="spec.hard.*"]').first().click();
  await expect(quota.getByTestId('yaml-explanation')).toContainText('403 exceeded quota');
  await quota.getByRole('button', { name: '创建命名空间和配额' }).click();
  const bars = page.getByTestId('quota-bars');
  await expect(bars.locator('[data-resource="requests.cpu"]')).toHaveAttribute('data-used', '0', { timeout: 30_000 });
  await expect(bars.locator('[data-resource="requests.cpu"]')).toContainText('0 / 1');

  const bare = page.getByTestId('limits-bare');
  await bare.getByRole('button', { name: '创建 Pod' }).click();
  await expect(bare.getByRole('alert')).toContainText('如预期被拒绝');
  await expect(bare.getByTestId('api-message')).toContainText('Error from server (Forbidden): pods "no-requests" is forbidden: failed quota: compute-quota: must specify limits.cpu for: nginx; limits.memory for: nginx; requests.cpu for: nginx; requests.memory for: nginx');

  const range = page.getByTestId('limits-range');
  await range.locator('[data-path="spec.limits.defaultRequest"]').click();
  await expect(range.getByTestId('yaml-explanation')).toContainText('没有设置 requests 的容器得到的默认申请量');
  await range.getByRole('button', { name: '创建 LimitRange' }).click();
  const defaults = page.getByTestId('limits-defaults');
  await defaults.getByRole('button', { name: '再次创建同一个 Pod' }).click();
  await expect(page.getByTestId('limits-defaults-written')).toContainText('kubernetes.io/limit-ranger: "LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx"');
  await expect(page.getByTestId('limits-defaults-written')).toContainText('cpu: 250m');
  await expect(bars.locator('[data-resource="requests.cpu"]')).toHaveAttribute('data-used', '250m', { timeout: 30_000 });

  await page.getByTestId('limits-deploy').getByRole('button', { name: /部署 quota-demo/ }).click();
  await expect(bars.locator('[data-resource="requests.cpu"]')).toHaveAttribute('data-used', '1', { timeout: 60_000 });
  await expect(bars.locator('[data-resource="requests.cpu"]')).toContainText('已满');
  await expect(page.getByRole('region', { name: '集群做了什么' })).toContainText('exceeded quota: compute-quota', { timeout: 30_000 });
  const extra = page.getByTestId('limits-extra');
  await extra.getByRole('button', { name: '再创建一个 Pod' }).click();
  await expect(extra.getByTestId('api-message')).toContainText('pods "one-more" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=250m, used: requests.cpu=1, limited: requests.cpu=1');
  await expect(extra.locator('table.quota-refusal')).toContainText('requests.cpu');

  // Room per node: what the pods request against allocatable, from every namespace.
  await expect(page.getByTestId('node-fit').locator('[data-node="pi-01"]')).toContainText('/ 4', { timeout: 30_000 });
  await expect(page.locator('[data-node-column="pi-01"] [data-testid="node-requested"]')).toContainText('已申请');
  await expect(page.getByTestId('limits-goal')).toContainText('完成');
  await expect(page.getByRole('navigation').getByRole('button', { name: /9\. 资源限制/ })).toContainText('完成');
  if (process.env.PCW_SCREENSHOTS) {
    // The lab panel folded away; the quota as it filled up, the pods, the refusals.
    await page.getByRole('region', { name: '练习实验室' }).locator('button[aria-expanded="true"]').first().click();
    await page.setViewportSize({ width: 1280, height: 1100 });
    await page.getByTestId('demo-line').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-limits.png` });
  }

  // ---- Step 10, in English
  await page.getByTestId('language').selectOption('en');
  await page.getByRole('navigation').getByRole('button', { name: /10\. Config & secrets/ }).click();
  await expect(page.getByRole('heading', { name: 'Configuration and secrets' })).toBeVisible();
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toHaveAttribute('type', 'password');
  await password.fill('Raspberry-Pie-42!');
  await page.getByRole('button', { name: 'Show password' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide password' }).click();
  await expect(password).toHaveAttribute('type', 'password');

  const apply = page.getByTestId('config-apply');
  await expect(apply.locator('.yaml')).toContainText('htpasswd: "********"');
  await expect(apply.locator('.yaml')).not.toContainText('$apr1$');
  await expect(apply.locator('.yaml')).toContainText('auth_basic_user_file /etc/nginx/secret/htpasswd;');
  await apply.getByRole('button', { name: 'Create the ConfigMaps, the Secret and nginx' }).click();
  await expect(apply.getByRole('status')).toContainText('Applied: nginx-config runs', { timeout: 30_000 });
  await expect(password).toHaveValue('');
  await expect(page.locator('[data-pod^="nginx-config-"][data-status="Running"]')).toHaveCount(2, { timeout: 120_000 });
  await expect(page.getByTestId('config-service')).toContainText(/nginx-config NodePort .* 80:3\d{4}\/TCP/);

  await page.getByRole('button', { name: 'Open without a password' }).click();
  await expect(page.getByTestId('config-answer-without')).toContainText('HTTP 401', { timeout: 30_000 });
  await expect(page.getByTestId('config-answer-without')).toContainText('nginx asks for a password: 401 Authorization Required.');
  await expect(page.getByTestId('www-authenticate')).toHaveText('WWW-Authenticate: Basic realm="Pi cluster lesson"');
  await page.getByRole('button', { name: 'Open with the password' }).click();
  const answer = page.getByTestId('config-answer-with');
  await expect(answer).toContainText('HTTP 200', { timeout: 30_000 });
  await expect(answer).toContainText('X-Served-By: nginx-config-');
  await expect(answer).toContainText('<h1>Hello from my Raspberry Pi cluster</h1>');

  await page.getByLabel('The page’s heading').fill('Served from a ConfigMap');
  await page.getByTestId('config-edit').getByRole('button', { name: 'Change the page in the ConfigMap' }).click();
  await expect(page.getByTestId('config-edit').getByRole('status')).toContainText('The ConfigMap now says “Served from a ConfigMap”.');
  // The pods pick the change up at the kubelet's sync (the lab runs its clock fast): the app keeps asking.
  await expect(page.getByTestId('config-pod-pages')).toHaveAttribute('data-stale', '0', { timeout: 90_000 });
  await expect(page.getByTestId('config-pod-pages')).toContainText('Served from a ConfigMap');

  const before = await page.locator('[data-pod^="nginx-config-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pod')));
  await page.getByTestId('config-restart').getByRole('button', { name: 'Rollout restart', exact: true }).click();
  await expect(page.getByTestId('config-restart').getByRole('status')).toContainText('Restarting');
  await expect
    .poll(
      async () => {
        const running = await page.locator('[data-pod^="nginx-config-"][data-status="Running"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pod')));
        return running.length === 2 && running.every((p) => !before.includes(p));
      },
      { timeout: 120_000 },
    )
    .toBe(true);
  await expect(page.getByTestId('config-goal')).toContainText('Done: your page comes from a ConfigMap');
  await expect(page.getByRole('navigation').getByRole('button', { name: /10\. Config & secrets/ })).toContainText('Done');
  if (process.env.PCW_SCREENSHOTS) {
    await page.getByRole('heading', { name: '2. Open the page' }).evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-config.png` });
  }
});
