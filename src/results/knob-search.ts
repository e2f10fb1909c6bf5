// Choosing the knob value that injects a given throughput slowdown, from measured points of the
// knob's curve. The model (a fixed cost added to each unit of work) is slowdown = P / (P + w) for
// a spin P and the work per op w; it holds on a CPU-bound system. Where it does not (a system that
// waits on a disk has idle CPU a small spin fits into), measured points correct it: the next value
// is interpolated between the measured points that bracket the target, and the model, fitted to
// the nearest point, is used only outside them. Pure: the caller measures.

export interface KnobPoint {
  /** Knob value added to the scenario's own (0 = none). */
  spin: number;
  /** Measured throughput slowdown, as a fraction (0.1 = 10% fewer ops/s). */
  slowdown: number;
}

/** Spin for `target` (a fraction) by the model fitted to one point with 0 < slowdown < 1. */
function fromModel(point: KnobPoint, target: number): number {
  const work = (point.spin * (1 - point.slowdown)) / point.slowdown;
  return (work * target) / (1 - target);
}

/**
 * The next spin to try for `target` (0 < target < 1). Points with a slowdown outside (0, 1) say
 * nothing about the curve's shape and are skipped (noise can make a small spin measure a speed-up);
 * without any usable point, undefined.
 */
export function nextSpin(points: readonly KnobPoint[], target: number): number | undefined {
  if (!(target > 0 && target < 1)) throw new RangeError(`knob search: target slowdown ${target} is not in (0, 1)`);
  const usable = points.filter((p) => p.spin > 0 && p.slowdown > 0 && p.slowdown < 1).sort((a, b) => a.spin - b.spin);
  if (usable.length === 0) return undefined;
  // The curve rises with the spin: take the highest point at or below the target and the lowest
  // point above it, if both exist and agree with that order.
  let below: KnobPoint | undefined;
  let above: KnobPoint | undefined;
  for (const p of usable) {
    if (p.slowdown <= target) below = p;
    else if (above === undefined) above = p;
  }
  if (below !== undefined && above !== undefined && above.spin > below.spin) {
    return below.spin + ((target - below.slowdown) * (above.spin - below.spin)) / (above.slowdown - below.slowdown);
  }
  // Outside the measured range (or points out of order from noise): the model through the point
  // whose slowdown is nearest the target.
  const nearest = usable.reduce((best, p) => (Math.abs(p.slowdown - target) < Math.abs(best.slowdown - target) ? p : best));
  return fromModel(nearest, target);
}

/** True when a measured slowdown is close enough to its target: within a quarter of it, or 2 points. */
export function closeEnough(measured: number, target: number): boolean {
  return Math.abs(measured - target) <= Math.max(target / 4, 0.02);
}
