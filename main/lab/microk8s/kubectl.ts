/**
 * `microk8s kubectl` on a virtual Pi: kubectl 1.32 for the commands the tutorial and the lessons
 * type on a node (get, describe, apply -f, create, delete, scale, rollout, expose, set image,
 * top, logs, cordon/uncordon/drain, version), talking HTTPS to the API server this Pi serves
 * (main/lab/microk8s/cluster-apis.ts), with kubectl's output and error texts. On a worker it says
 * to use the control plane, as MicroK8s does. The pieces live in ./kubectl/.
 */
import type { CommandContext } from '../shell/shell';
import type { VirtualPi } from '../pi/virtual-pi';
import type { LabCluster } from './lab-cluster';
import { parseArgs } from './kubectl/args';
import { ApiHttpError, KubeClient, KubectlError, serverError } from './kubectl/client';
import { describe } from './kubectl/describe';
import type { Env } from './kubectl/env';
import { get } from './kubectl/get';
import { apply, cordon, create, deleteCmd, drain, expose, logs, scale, setImage, top, version } from './kubectl/mutate';
import { rollout } from './kubectl/rollout';

const WORKER_TEXT = 'This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n';

const HELP = `kubectl controls the Kubernetes cluster manager.

 Find more information at: https://kubernetes.io/docs/reference/kubectl/

Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  expose          Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service
  run             Run a particular image on the cluster
  set             Set specific features on objects

Basic Commands (Intermediate):
  explain         Get documentation for a resource
  get             Display one or many resources
  edit            Edit a resource on the server
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller
  autoscale       Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  certificate     Modify certificate resources
  cluster-info    Display cluster information
  top             Display resource (CPU/memory) usage
  cordon          Mark node as unschedulable
  uncordon        Mark node as schedulable
  drain           Drain node in preparation for maintenance
  taint           Update the taints on one or more nodes

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  attach          Attach to a running container
  exec            Execute a command in a container
  port-forward    Forward one or more local ports to a pod
  proxy           Run a proxy to the Kubernetes API server
  cp              Copy files and directories to and from containers
  auth            Inspect authorization
  debug           Create debugging sessions for troubleshooting workloads and nodes
  events          List events

Advanced Commands:
  diff            Diff the live version against a would-be applied version
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource
  replace         Replace a resource by file name or stdin
  wait            Experimental: Wait for a specific condition on one or many resources
  kustomize       Build a kustomization target from a directory or URL

Settings Commands:
  label           Update the labels on a resource
  annotate        Update the annotations on a resource
  completion      Output shell completion code for the specified shell (bash, zsh, fish, or powershell)

Subcommands provided by plugins:

Other Commands:
  api-resources   Print the supported API resources on the server
  api-versions    Print the supported API versions on the server, in the form of "group/version"
  config          Modify kubeconfig files
  plugin          Provides utilities for interacting with plugins
  version         Print the client and server version information

Usage:
  kubectl [flags] [options]

Use "kubectl <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
`;

const COMMANDS: Record<string, (env: Env) => Promise<number>> = {
  get,
  describe,
  apply,
  create,
  delete: deleteCmd,
  scale,
  rollout,
  expose,
  set: setImage,
  top,
  logs,
  version,
  cordon: (env) => cordon(env, true),
  uncordon: (env) => cordon(env, false),
  drain,
  'cluster-info': async (env) => {
    await env.client.json('GET', '/api/v1/namespaces/kube-system/services');
    env.out("\x1b[0;32mKubernetes control plane\x1b[0m is running at \x1b[0;33mhttps://127.0.0.1:16443\x1b[0m\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n");
    return 0;
  },
};

/** Commands kubectl has that the practice lab's node-side kubectl does not run. */
const ELSEWHERE = new Set(['run', 'explain', 'edit', 'autoscale', 'certificate', 'taint', 'attach', 'exec', 'port-forward', 'proxy', 'cp', 'auth', 'debug', 'events', 'diff', 'patch', 'replace', 'wait', 'kustomize', 'label', 'annotate', 'completion', 'api-resources', 'api-versions', 'config', 'plugin', 'options']);

export async function kubectl(cluster: LabCluster, pi: VirtualPi, ctx: CommandContext, argv: string[]): Promise<number> {
  if (cluster.memberOf(pi)?.role === 'worker') {
    ctx.stdout(WORKER_TEXT);
    return 1;
  }
  try {
    let args = parseArgs(argv, 'kubectl');
    const command = args.positional[0];
    if (command === undefined) {
      ctx.stdout(HELP);
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) {
      if (ELSEWHERE.has(command)) throw new KubectlError(`error: the practice lab's "microk8s kubectl" on a Pi does not run "${command}"; use kubectl on your computer with the kubeconfig from "microk8s config"`);
      throw new KubectlError(`error: unknown command "${command}" for "kubectl"`);
    }
    if (command === 'logs') args = parseArgs(argv, 'logs');
    args.positional.shift();
    if (args.bools.get('help')) {
      ctx.stdout(`See "kubectl ${command} --help" in the kubectl reference: https://kubernetes.io/docs/reference/kubectl/generated/kubectl_${command}/\n`);
      return 0;
    }
    if (!cluster.kubeApi?.request) throw new KubectlError('The connection to the server 127.0.0.1:16443 was refused - did you specify the right host or port?');
    const namespace = args.values.get('namespace');
    const env: Env = {
      client: new KubeClient(cluster.kubeApi, pi, ctx.signal),
      args,
      namespace: namespace ?? 'default',
      explicitNamespace: namespace !== undefined,
      allNamespaces: args.bools.get('all-namespaces') === true,
      out: (t) => ctx.stdout(t),
      err: (t) => ctx.stderr(t),
      ctx,
      clock: cluster.clock,
      now: () => cluster.clock.wallNow(),
      signal: ctx.signal,
    };
    return await run(env);
  } catch (err) {
    if (err instanceof KubectlError) {
      ctx.stderr(err.message.endsWith('\n') ? err.message : err.message + '\n');
      return err.exitCode;
    }
    if (err instanceof ApiHttpError) {
      ctx.stderr(serverError(err.status, err.code).message + '\n');
      return 1;
    }
    if (ctx.signal.aborted) return 130;
    throw err;
  }
}
