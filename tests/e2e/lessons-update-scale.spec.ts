/**
 * Steps 7 and 8 by clicking, in practice mode, from a Ready cluster: update nginx to 1.16.1 while
 * the Service keeps answering, roll back to revision 1, stall on a tag that does not exist and
 * roll back out of it; scale past the nodes into Pending, relax the rule (shown as a diff),
 * zero and back, MetalLB with a confirmed range, nginx through its EXTERNAL-IP and the spread
 * of 20 requests over the pods. Once more in Chinese for step 7.
 */
import type { Page } from '@playwright/test';
import { expect, formClusterByClicking, readmeShot, test } from './fixtures';

async function deployNginx(page: Page, buttonLabel: string) {
  await page.getByRole('navigation').locator('[data-step="deploy"]').click();
  await page.getByTestId('deploy-apply').getByRole('button', { name: buttonLabel }).click();
  await expect(page.getByTestId('deploy-goal')).toHaveClass(/ok/, { timeout: 120_000 });
}

const shot = readmeShot;

test('update nginx and roll it back, then scale it into Pending and out, and reach it through a load balancer address', async ({ app }) => {
  test.setTimeout(900_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);
  const nav = page.getByRole('navigation');
  await expect(nav.getByRole('button', { name: /7\. Rolling update/ })).toContainText('Deploy nginx first');
  await deployNginx(page, 'Deploy nginx');

  // Step 7: the update, explained, live.
  await nav.getByRole('button', { name: /7\. Rolling update/ }).click();
  await expect(page.getByRole('heading', { name: 'Rolling update and rollback' })).toBeVisible();
  const apply = page.getByTestId('update-apply');
  await expect(apply.locator('.yaml')).toContainText('image: nginx:1.16.1');
  await apply.locator('[data-path="spec.strategy.rollingUpdate.maxSurge"]').click();
  await expect(apply.getByTestId('yaml-explanation')).toContainText('the new pod fits only where an old one left');
  await apply.getByRole('button', { name: 'Update to nginx 1.16.1' }).click();
  await expect(apply.locator('[data-outcome="update-started"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('rollout-status')).toContainText('deployment "nginx-deployment" successfully rolled out', { timeout: 120_000 });
  await expect(page.getByTestId('rs-new')).toContainText('nginx:1.16.1');
  await expect(page.getByTestId('version-strip').locator('[data-version="1.16.1"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('version-failures')).toContainText('no request went unanswered');
  const history = page.getByTestId('rollout-history');
  await expect(history.locator('[data-revision="2"]')).toContainText('nginx:1.16.1');
  await expect(history.locator('[data-revision="2"]')).toContainText('running now');

  // Back to revision 1 in one click: it returns as revision 3.
  await history.locator('[data-revision="1"]').getByRole('button', { name: 'Roll back to revision 1' }).click();
  await expect(page.locator('[data-outcome="rolled-back"]')).toContainText('Rolling back to revision 1.', { timeout: 60_000 });
  await expect(history.locator('[data-revision="3"]')).toContainText('nginx:1.14.2', { timeout: 60_000 });
  await expect(page.getByTestId('rollout-status')).toContainText('successfully rolled out', { timeout: 120_000 });
  await expect(page.getByTestId('update-done')).toBeVisible({ timeout: 30_000 });
  await expect(nav.getByRole('button', { name: /7\. Rolling update/ })).toContainText('Done');
  await expect(page.getByTestId('version-strip').locator('[data-version="1.14.2"]')).toBeVisible();
  await shot(page, 'lesson-update');

  // The deliberate mistake, and the way out.
  await page.getByTestId('update-bad-image').getByRole('button', { name: 'Update to nginx:1.16.1x' }).click();
  await expect(page.getByTestId('update-stalled')).toContainText(/The rollout is stuck: the new pod is in (ErrImagePull|ImagePullBackOff) \(nginx:1\.16\.1x\)/, { timeout: 120_000 });
  await expect(page.locator('.pod-chip[data-status="ImagePullBackOff"], .pod-chip[data-status="ErrImagePull"]')).toHaveCount(1);
  await expect(page.getByTestId('update-stalled')).toContainText('the other old pod still answers');
  await page.getByTestId('update-stalled-rollback').getByRole('button', { name: 'Roll back to the previous revision' }).click();
  await expect(page.getByTestId('update-stalled')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('rollout-status')).toContainText('successfully rolled out', { timeout: 120_000 });

  // Step 8: past the nodes into Pending, explained, and out by relaxing the rule.
  await nav.getByRole('button', { name: /8\. Scale/ }).click();
  await expect(page.getByRole('heading', { name: 'Scale and load balancing' })).toBeVisible();
  await page.getByLabel('Replicas (number)').fill('3');
  await page.getByTestId('scale-set').getByRole('button', { name: 'Scale to 3' }).click();
  const pending = page.getByTestId('scale-pending');
  await expect(pending).toContainText('1 pod waits for a node', { timeout: 60_000 });
  await expect(page.getByTestId('failed-scheduling')).toContainText("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules", { timeout: 60_000 });
  await expect(page.locator('[data-node-column=""] [data-status="Pending"]')).toHaveCount(1);
  const relax = page.getByTestId('scale-relax');
  await expect(relax.locator('[data-diff="del"]').filter({ hasText: 'requiredDuringSchedulingIgnoredDuringExecution' })).toHaveCount(1);
  await expect(relax.locator('[data-diff="add"]').filter({ hasText: 'preferredDuringSchedulingIgnoredDuringExecution' })).toHaveCount(1);
  await shot(page, 'lesson-scale');
  await relax.getByRole('button', { name: 'Relax the rule' }).click();
  await expect(pending).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('scale-counts')).toContainText('desired 3 · ready 3 · Pending 0', { timeout: 120_000 });

  // Zero and back.
  await page.getByLabel('Replicas (number)').fill('0');
  await page.getByTestId('scale-set').getByRole('button', { name: 'Scale to 0' }).click();
  await expect(page.getByTestId('scale-zero')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.pod-chip')).toHaveCount(0, { timeout: 60_000 });
  await page.getByLabel('Replicas (number)').fill('2');
  await page.getByTestId('scale-set').getByRole('button', { name: 'Scale to 2' }).click();
  await expect(page.getByTestId('scale-counts')).toContainText('desired 2 · ready 2 · Pending 0', { timeout: 120_000 });

  // A LoadBalancer: <pending> without MetalLB, then MetalLB with a confirmed range.
  await page.getByTestId('scale-lb-create').getByRole('button', { name: 'Make nginx-service a LoadBalancer' }).click();
  await expect(page.getByTestId('lb-service-line')).toContainText(/nginx-service\s+LoadBalancer\s+10\.152\.183\.\d+\s+<pending>/, { timeout: 30_000 });
  await expect(page.getByTestId('lb-pending')).toContainText('nothing on this cluster hands out load balancer addresses yet');
  const metallb = page.getByTestId('metallb-enable');
  await expect(metallb.getByLabel('Address range')).toHaveValue('192.168.1.240-192.168.1.250');
  await expect(metallb.getByRole('button', { name: 'Enable MetalLB' })).toBeDisabled();
  await metallb.getByRole('checkbox').check();
  await metallb.getByRole('button', { name: 'Enable MetalLB' }).click();
  await expect(page.getByTestId('metallb-output')).toContainText('MetalLB is enabled', { timeout: 300_000 });
  await expect(page.getByTestId('lb-service-line')).toContainText(/nginx-service\s+LoadBalancer\s+10\.152\.183\.\d+\s+192\.168\.1\.240\s+80:3\d{4}\/TCP/, { timeout: 60_000 });
  await page.getByTestId('scale-lb-open').getByRole('button', { name: 'Open nginx through its address' }).click();
  await expect(page.getByTestId('lb-http-answer')).toContainText('HTTP 200', { timeout: 30_000 });
  await expect(page.getByTestId('lb-http-answer')).toContainText('Server: nginx/1.14.2');
  await page.getByTestId('spread-run').click();
  await expect(page.getByTestId('spread').locator('.spread-cells li')).toHaveCount(20, { timeout: 60_000 });
  await expect(page.getByTestId('spread').locator('.spread-cells li[data-pod=""]')).toHaveCount(0);
  await expect(page.getByTestId('spread').locator('.spread-legend li')).toHaveCount(2);
  await expect(page.getByTestId('scale-done')).toBeVisible({ timeout: 30_000 });
  await expect(nav.getByRole('button', { name: /8\. Scale/ })).toContainText('Done');
  await shot(page, 'lesson-scale-lb');
});

test('rolling update and rollback in Chinese', async ({ app }) => {
  test.setTimeout(600_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await deployNginx(page, '部署 nginx');
  const nav = page.getByRole('navigation');
  await nav.locator('[data-step="update"]').click();
  await expect(page.getByRole('heading', { name: '滚动更新与回滚' })).toBeVisible();
  await expect(page.getByText('为什么这里每次只换一个 Pod')).toBeVisible();
  await page.getByTestId('update-apply').getByRole('button', { name: '更新到 nginx 1.16.1' }).click();
  await expect(page.getByTestId('rs-new')).toContainText('nginx:1.16.1', { timeout: 60_000 });
  await expect(page.getByTestId('rollout-status')).toContainText('successfully rolled out', { timeout: 120_000 });
  await expect(page.getByText('所有 Pod 都运行 Deployment 当前的模板，并且都已就绪。')).toBeVisible();
  await expect(page.getByTestId('version-failures')).toContainText('没有请求落空', { timeout: 60_000 });
  const history = page.getByTestId('rollout-history');
  await history.locator('[data-revision="1"]').getByRole('button', { name: '回滚到修订版本 1' }).click();
  await expect(page.locator('[data-outcome="rolled-back"]')).toContainText('正在回滚到修订版本 1。', { timeout: 60_000 });
  await expect(history.locator('[data-revision="3"]')).toContainText('nginx:1.14.2', { timeout: 60_000 });
  await expect(page.getByTestId('update-done')).toContainText('完成：你把 nginx 更新到了 1.16.1，又把它回滚了。', { timeout: 120_000 });
  await shot(page, 'lesson-update-zh');
});
