// Rounding for figures that people read: one decimal place.

/** `value` rounded to one decimal place. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
