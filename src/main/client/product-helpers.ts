import type { Product } from '../../shared/entities';

/** Lower case without accents ("Crème Brûlée" → "creme brulee"), for matching names. */
export function normalizeName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .trim();
}

/**
 * Products whose name matches `query`, best first: exact matches, then prefix matches, then
 * substring matches; case- and accent-insensitive (backend-contract.md, the seed's helper).
 */
export function findProductsByName(products: readonly Product[], query: string): Product[] {
  const q = normalizeName(query);
  if (!q) return [...products];
  const exact: Product[] = [];
  const prefix: Product[] = [];
  const substring: Product[] = [];
  for (const p of products) {
    const name = normalizeName(p.name);
    if (name === q) exact.push(p);
    else if (name.startsWith(q)) prefix.push(p);
    else if (name.includes(q)) substring.push(p);
  }
  return [...exact, ...prefix, ...substring];
}

/** The best match for `query`, or null. */
export function findProductByName(products: readonly Product[], query: string): Product | null {
  return findProductsByName(products, query)[0] ?? null;
}

/** Products that list an ingredient matching `ingredient` (case- and accent-insensitive, substring). */
export function filterProductsByIngredient(products: readonly Product[], ingredient: string): Product[] {
  const q = normalizeName(ingredient);
  if (!q) return [...products];
  return products.filter((p) => p.ingredients.some((i) => normalizeName(i).includes(q)));
}

/** A plain-text list for display: one line per product, "Name — 25.50 (category)", unavailable marked. */
export function formatProductList(products: readonly Product[], currency = ''): string {
  if (products.length === 0) return 'No products.';
  return products
    .map((p) => {
      const price = `${p.price.toFixed(2)}${currency ? ` ${currency}` : ''}`;
      const tags = [p.category, p.available ? null : 'unavailable'].filter(Boolean).join(', ');
      return `${p.name} — ${price}${tags ? ` (${tags})` : ''}`;
    })
    .join('\n');
}
