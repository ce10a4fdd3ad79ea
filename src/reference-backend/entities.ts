import { rfc3339 } from './errors';
import type { Role } from './tokens';

/** `UserProfile` of the contract. `created_at` is RFC 3339 UTC. */
export interface UserProfile {
  id: string;
  email: string;
  name: string;
  role: Role;
  created_at: string;
}

/** `Product` of the contract. `price` in the currency's major unit (e.g. 25.5). */
export interface Product {
  id: number;
  name: string;
  description: string;
  price: number;
  category: string;
  ingredients: string[];
  available: boolean;
  image_url: string | null;
}

/** A `users` row as PGlite returns it. */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: Date;
}

/** A `products` row as PGlite returns it (numeric comes back as a string). */
export interface ProductRow {
  id: number;
  name: string;
  description: string;
  price: string;
  category: string;
  ingredients: string[];
  available: boolean;
  image_url: string | null;
}

/** Columns to select for {@link ProductRow}. */
export const PRODUCT_COLUMNS = 'id, name, description, price, category, ingredients, available, image_url';

/** Columns to select for {@link UserRow}. */
export const USER_COLUMNS = 'id, email, name, role, password_hash, created_at';

/** The public profile of a user row (never the password hash). */
export function toUserProfile(row: UserRow): UserProfile {
  return { id: row.id, email: row.email, name: row.name, role: row.role, created_at: rfc3339(row.created_at) };
}

/** The contract's Product from a row; numeric columns become JSON numbers. */
export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    price: Number(row.price),
    category: row.category,
    ingredients: row.ingredients,
    available: row.available,
    image_url: row.image_url,
  };
}
