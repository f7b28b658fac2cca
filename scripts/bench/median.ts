/** The middle of the benches' repeated measurements. */

/** The median of `values` (an odd count of them: the middle one once sorted). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The run of the median time among three runs of `run`. */
export function medianOfThree<T extends { seconds: number }>(run: () => T): T {
  return [run(), run(), run()].sort((a, b) => a.seconds - b.seconds)[1];
}
