/** The one clock. Tests pass a fixed or stepping clock; everything else uses systemClock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
