/** Step view entry (loaded on first use; see steps/registry.ts). */
import { LimitsStep } from './LimitsStep';

export default LimitsStep;
