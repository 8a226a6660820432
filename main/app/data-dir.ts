/** Where the app keeps its state, keys and lab files when not run by Electron (which uses userData). */
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PCW_DATA_DIR) return path.resolve(env.PCW_DATA_DIR);
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Pi Cluster Wizard');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Pi Cluster Wizard');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'pi-cluster-wizard');
}
