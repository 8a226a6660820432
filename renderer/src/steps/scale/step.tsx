/** Step view entry (loaded on first use; see steps/registry.ts). */
import { ScaleStep } from './ScaleStep';

export default ScaleStep;
