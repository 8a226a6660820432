/** Step view entry (loaded on first use; see steps/registry.ts). */
import { InstallStep } from './InstallStep';

export default InstallStep;
