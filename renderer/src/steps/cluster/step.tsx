/** Step view entry (loaded on first use; see steps/registry.ts). */
import { ClusterStep } from './ClusterStep';

export default ClusterStep;
