/** Step view entry (loaded on first use; see steps/registry.ts). */
import { FindNodesStep } from './FindNodesStep';

export default FindNodesStep;
