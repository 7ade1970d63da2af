/**
 * How an attack entry of a sweep is named in tables and charts: robust mode is part of
 * the attack's identity ("pgd" and "pgd+robust" are different methods to compare).
 */

/** "pgd", or "pgd+robust" when the row's run used robust mode (reads `attack` and `robust`). */
export function attackLabel(row: Readonly<Record<string, unknown>>): string {
  return row.robust === true ? `${row.attack}+robust` : String(row.attack);
}
