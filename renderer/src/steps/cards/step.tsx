/** Step view entry (loaded on first use; see steps/registry.ts). */
import { CardsStep } from './CardsStep';

export default CardsStep;
