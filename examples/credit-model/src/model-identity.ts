/**
 * The model as the monitor knows it: the serving process and the process that reports outcomes
 * later must name the same model id (outcomes are matched to predictions per model).
 */
export const MODEL = { id: 'credit-decisioning', version: '1.0.0' } as const
