/** Texts of step 6, Deploy nginx, in English and Simplified Chinese. */
import { catalogue } from '../../i18n/catalogue';

export const messages = catalogue({
  en: {
    'deploy.title': 'Deploy nginx',
    'deploy.intro': 'The tutorial’s deployment.yaml asks for two copies of nginx 1.14.2 and forbids two of them on one node (a required pod anti-affinity on the node’s hostname). The control plane finds a node for each, the nodes download the image and start it. Click any line of the manifest to see what it does.',
    'deploy.apply': 'Deploy nginx',
    'deploy.applyAgain': 'Apply deployment.yaml again',
    'deploy.goal': 'Goal: two nginx pods running, on two different nodes.',
    'deploy.goalReached': 'Done: nginx runs on {count} different nodes, one pod each — the anti-affinity rule at work.',
    'deploy.openTitle': 'Open nginx',
    'deploy.openIntro': 'Pods come and go, and so do their addresses. A Service gives them one stable address; type NodePort also opens a port on every node, so this computer can reach nginx at any node’s address.',
    'deploy.expose': 'Create the NodePort Service',
    'deploy.open': 'Open nginx',
    'deploy.next': 'nginx answers from your cluster. Next: update it to a new version and roll it back.',
  },
  'zh-CN': {
    'deploy.title': '部署 nginx',
    'deploy.intro': '教程中的 deployment.yaml 要求运行两个 nginx 1.14.2 副本，并且禁止两个副本在同一节点上（基于节点主机名的必需 Pod 反亲和性）。控制平面为每个副本找到节点，节点下载镜像并启动它。点击清单的任意一行，查看它的作用。',
    'deploy.apply': '部署 nginx',
    'deploy.applyAgain': '再次应用 deployment.yaml',
    'deploy.goal': '目标：两个 nginx Pod 在两个不同的节点上运行。',
    'deploy.goalReached': '完成：nginx 在 {count} 个不同的节点上运行，每个节点一个 Pod——这就是反亲和规则的作用。',
    'deploy.openTitle': '打开 nginx',
    'deploy.openIntro': 'Pod 会出现也会消失，它们的地址也随之变化。Service 为它们提供一个稳定的地址；NodePort 类型还会在每个节点上打开一个端口，这样这台电脑就能通过任意节点的地址访问 nginx。',
    'deploy.expose': '创建 NodePort Service',
    'deploy.open': '打开 nginx',
    'deploy.next': 'nginx 已从你的集群响应。下一步：把它更新到新版本，然后回滚。',
  },
});
