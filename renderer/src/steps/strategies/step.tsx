/** Step view entry (loaded on first use, with its chart library; see steps/registry.ts). */
import { StrategiesStep } from './StrategiesStep';

export default StrategiesStep;
