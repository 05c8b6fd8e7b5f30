import type { ReconnectOptions } from './interface.js';

/**
 * Delay before reconnection attempt `attempt` (0 for the first retry): exponential from `initialDelayMs`, capped at
 * `maxDelayMs`, then lowered by a random share of up to `jitterRatio`, so that nodes that lost each other at the same
 * moment do not all redial in step.
 */
export function reconnectDelayMs(attempt: number, options: ReconnectOptions, random: () => number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const capped = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  const draw = random();
  // A broken random source must not produce a negative or unbounded delay.
  const unit = draw >= 0 && draw < 1 ? draw : 0;
  return Math.round(capped * (1 - options.jitterRatio * unit));
}
