import { describe, expect, it } from 'vitest';
import type { Product } from '../../src/shared/entities';
import {
  filterProductsByIngredient,
  findProductByName,
  findProductsByName,
  formatProductList,
} from '../../src/main/client/product-helpers';

const p = (id: number, name: string, ingredients: string[] = [], available = true): Product => ({
  id,
  name,
  description: '',
  price: 10 + id / 2,
  category: 'mains',
  ingredients,
  available,
});
const menu = [
  p(1, 'Crème brûlée', ['cream', 'sugar']),
  p(2, 'Cream soup', ['Cream', 'potato']),
  p(3, 'Ice cream'),
  p(4, 'Creme'),
];

describe('product helpers', () => {
  it('ranks exact, then prefix, then substring matches, ignoring case and accents', () => {
    expect(findProductsByName(menu, 'CREME').map((x) => x.id)).toEqual([4, 1]);
    expect(findProductsByName(menu, 'cream').map((x) => x.id)).toEqual([2, 3]);
    expect(findProductByName(menu, 'crème brûlée')?.id).toBe(1);
    expect(findProductByName(menu, 'pizza')).toBeNull();
  });
  it('filters by ingredient, case- and accent-insensitive', () => {
    expect(filterProductsByIngredient(menu, 'cream').map((x) => x.id)).toEqual([1, 2]);
    expect(filterProductsByIngredient(menu, 'Potató').map((x) => x.id)).toEqual([2]);
  });
  it('formats a list for display', () => {
    expect(formatProductList([p(1, 'Soup', [], false)], 'EUR')).toBe('Soup — 10.50 EUR (mains, unavailable)');
    expect(formatProductList([])).toBe('No products.');
  });
});
