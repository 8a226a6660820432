/** Step view entry (loaded on first use; see steps/registry.ts). */
import { PlanStep } from './PlanStep';

export default PlanStep;
