/** Step view entry (loaded on first use; see steps/registry.ts). */
import { UpdateStep } from './UpdateStep';

export default UpdateStep;
