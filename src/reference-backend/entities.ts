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

/** A `users` row as `pg` returns it. */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: Date;
}

/** A `products` row as `pg` returns it (numeric comes back as a string). */
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

/** Order statuses, in their normal sequence, then `cancelled`. */
export const ORDER_STATUSES = ['pending', 'confirmed', 'preparing', 'ready', 'delivered', 'cancelled'] as const;

/** Status of an order. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Allowed status changes (backend-contract.md): pending → confirmed → preparing → ready →
 * delivered; pending, confirmed and preparing may be cancelled. Anything else is 409.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['preparing', 'cancelled'],
  preparing: ['ready', 'cancelled'],
  ready: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** One line of an `Order`: `price` is the unit price at order time, in the major unit. */
export interface OrderItem {
  product_id: number;
  name: string;
  quantity: number;
  price: number;
}

/** `Order` of the contract. `total` = Σ price × quantity, computed by the server. */
export interface Order {
  id: number;
  user_id: string;
  status: OrderStatus;
  total: number;
  items: OrderItem[];
  comment: string | null;
  created_at: string;
  updated_at: string;
}

/** An `orders` row (numeric as string, timestamps as Date). */
export interface OrderRow {
  id: number;
  user_id: string;
  status: OrderStatus;
  total: string;
  comment: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Columns to select for {@link OrderRow}. */
export const ORDER_COLUMNS = 'id, user_id, status, total, comment, created_at, updated_at';

/** An `order_items` row as selected with {@link ORDER_ITEM_COLUMNS}. */
export interface OrderItemRow {
  order_id: number;
  product_id: number;
  name: string;
  quantity: number;
  price: string;
}

/** Columns to select for {@link OrderItemRow}. */
export const ORDER_ITEM_COLUMNS = 'order_id, product_id, name, quantity, price';

/** The contract's Order from its row and its item rows (in line order). */
export function toOrder(row: OrderRow, items: readonly OrderItemRow[]): Order {
  return {
    id: row.id,
    user_id: row.user_id,
    status: row.status,
    total: Number(row.total),
    items: items.map((i) => ({ product_id: i.product_id, name: i.name, quantity: i.quantity, price: Number(i.price) })),
    comment: row.comment,
    created_at: rfc3339(row.created_at),
    updated_at: rfc3339(row.updated_at),
  };
}

/** Units an ingredient is counted in. */
export const UNITS = ['g', 'kg', 'ml', 'l', 'pcs'] as const;

/** Unit of an ingredient. */
export type Unit = (typeof UNITS)[number];

/** `Ingredient` of the contract. `low_stock` = `quantity <= min_quantity`. */
export interface Ingredient {
  id: number;
  name: string;
  unit: Unit;
  quantity: number;
  min_quantity: number;
  low_stock: boolean;
  updated_at: string;
}

/** An `ingredients` row as selected with {@link INGREDIENT_COLUMNS} (`low_stock` computed in SQL). */
export interface IngredientRow {
  id: number;
  name: string;
  unit: Unit;
  quantity: string;
  min_quantity: string;
  low_stock: boolean;
  updated_at: Date;
}

/** Columns to select for {@link IngredientRow}. */
export const INGREDIENT_COLUMNS =
  'id, name, unit, quantity, min_quantity, (quantity <= min_quantity) as low_stock, updated_at';

/** The contract's Ingredient from a row; numeric columns become JSON numbers. */
export function toIngredient(row: IngredientRow): Ingredient {
  return {
    id: row.id,
    name: row.name,
    unit: row.unit,
    quantity: Number(row.quantity),
    min_quantity: Number(row.min_quantity),
    low_stock: row.low_stock,
    updated_at: rfc3339(row.updated_at),
  };
}

/** Why an ingredient's stock changed. */
export type MovementReason = 'purchase' | 'order' | 'adjustment' | 'waste';

/** `IngredientMovement` of the contract. `delta` is signed, in the ingredient's unit. */
export interface IngredientMovement {
  id: number;
  ingredient_id: number;
  delta: number;
  reason: MovementReason;
  order_id: number | null;
  created_at: string;
}

/** An `ingredient_movements` row. */
export interface MovementRow {
  id: number;
  ingredient_id: number;
  delta: string;
  reason: MovementReason;
  order_id: number | null;
  created_at: Date;
}

/** Columns to select for {@link MovementRow}. */
export const MOVEMENT_COLUMNS = 'id, ingredient_id, delta, reason, order_id, created_at';

/** The contract's IngredientMovement from a row. */
export function toMovement(row: MovementRow): IngredientMovement {
  return {
    id: row.id,
    ingredient_id: row.ingredient_id,
    delta: Number(row.delta),
    reason: row.reason,
    order_id: row.order_id,
    created_at: rfc3339(row.created_at),
  };
}

/** `GET /admin/stats`. `orders_by_status` has every status as a key (0 when none). */
export interface Stats {
  total_users: number;
  total_orders: number;
  total_revenue: number;
  orders_by_status: Record<OrderStatus, number>;
}
