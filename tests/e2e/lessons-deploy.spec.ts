/** Step 6 by clicking, in practice mode: deploy the tutorial's nginx, see its pods on two nodes, open it from this computer. */
import { expect, formClusterByClicking, readmeShot, test } from './fixtures';

test('deploy nginx from a formed practice cluster and open its welcome page', async ({ app }) => {
  test.setTimeout(420_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);

  await page.getByRole('navigation').getByRole('button', { name: /6\. Deploy nginx/ }).click();
  await expect(page.getByRole('heading', { name: 'Deploy nginx' })).toBeVisible();
  const apply = page.getByTestId('deploy-apply');
  await expect(apply.locator('.yaml')).toContainText('image: nginx:1.14.2');
  await apply.locator('[data-path="spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.topologyKey"]').click();
  await expect(apply.getByTestId('yaml-explanation')).toContainText('at most one nginx pod per node');
  await expect(apply.getByRole('region', { name: 'The same with kubectl' })).toContainText('kubectl apply -f deployment.yaml');
  await apply.getByRole('button', { name: 'Deploy nginx' }).click();
  await expect(page.getByTestId('deploy-goal')).toContainText('Done: nginx runs on 2 different nodes', { timeout: 120_000 });
  await expect(page.locator('[data-node-column="pi-01"] [data-status="Running"]')).toHaveCount(1);
  await expect(page.locator('[data-node-column="pi-02"] [data-status="Running"]')).toHaveCount(1);
  await expect(page.getByRole('region', { name: 'What the cluster did' })).toContainText('The scheduler placed');
  await expect(page.getByRole('navigation').getByRole('button', { name: /6\. Deploy nginx/ })).toContainText('Done');
  await readmeShot(page, 'lesson-deploy');

  await page.getByTestId('deploy-expose').getByRole('button', { name: 'Create the NodePort Service' }).click();
  await expect(page.getByTestId('service-line')).toContainText(/nginx-service NodePort .* 80:3\d{4}\/TCP/, { timeout: 30_000 });
  await page.getByTestId('deploy-open').getByRole('button', { name: 'Open nginx' }).click();
  await expect(page.getByTestId('http-answer')).toContainText('HTTP 200', { timeout: 30_000 });
  await expect(page.getByTestId('http-answer')).toContainText('Server: nginx/1.14.2');
  await expect(page.getByTestId('http-answer')).toContainText('Welcome to nginx!');
});
