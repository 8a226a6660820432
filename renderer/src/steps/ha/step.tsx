/** Step view entry (loaded on first use; see steps/registry.ts). */
import { HaStep } from './HaStep';

export default HaStep;
