/** Shared by the coverage tests: the smallest empirical coverage consistent with a stated level. */

/** The smallest coverage consistent with the stated level at R replications (a one-sided binomial test at 1%). */
export const floorFor = (level: number, reps: number) => level - 2.326 * Math.sqrt((level * (1 - level)) / reps);
