/** The median of some timings (the middle one; the upper middle for an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run `f` n times and return the median wall time in milliseconds. */
export async function timeIt(n: number, f: () => Promise<unknown> | unknown): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}
