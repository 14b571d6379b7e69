/** Seconds per step of the last engine call: wall time under `step`, CPU time of the process under `${step}Cpu`. */
export type Timings = Record<string, number>;

/**
 * A stopwatch over `into` (nothing when undefined): each `lap(step)` adds the wall and CPU seconds
 * since the previous lap (or the start) to that step.
 */
export function stopwatch(into: Timings | undefined): (step: string) => void {
  let wall = performance.now();
  let cpu = process.cpuUsage();
  return (step) => {
    if (!into) return;
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    into[step] = (into[step] ?? 0) + (now - wall) / 1000;
    into[`${step}Cpu`] = (into[`${step}Cpu`] ?? 0) + (used.user + used.system) / 1e6;
    wall = now;
    cpu = process.cpuUsage();
  };
}

export function clearTimings(t: Timings | undefined): void {
  if (t) for (const key of Object.keys(t)) delete t[key];
}
