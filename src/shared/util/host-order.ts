/** Host names in the order people count them: web-2 before web-10 (one collator, made once). */
const collator = new Intl.Collator(undefined, { numeric: true });

export const compareHosts = (a: string, b: string): number => collator.compare(a, b);
