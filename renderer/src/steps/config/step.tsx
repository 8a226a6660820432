/** Step view entry (loaded on first use; see steps/registry.ts). */
import { ConfigStep } from './ConfigStep';

export default ConfigStep;
