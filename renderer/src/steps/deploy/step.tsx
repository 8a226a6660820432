/** Step view entry (loaded on first use; see steps/registry.ts). */
import { DeployStep } from './DeployStep';

export default DeployStep;
