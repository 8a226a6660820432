/** The journey, in order (the tutorial's chapters). Zod-free so the window can import it cheaply. */
export const STEP_IDS = ['plan', 'cards', 'discover', 'install', 'cluster', 'deploy', 'update', 'scale', 'limits', 'config', 'strategies', 'ha'] as const;
export type StepIdLiteral = (typeof STEP_IDS)[number];
