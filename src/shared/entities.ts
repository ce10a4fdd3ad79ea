import { z } from 'zod';

/**
 * The supervised backend's entities (backend-contract.md), parsed leniently: unknown
 * fields are dropped, ids come as numbers or strings (a real backend may differ), money
 * is a number in the major unit, times are RFC 3339 strings.
 */

/** An integer id sent as a number or a numeric string; always a number after parsing. */
export const IntIdSchema = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform((s) => Number(s)),
]);
/** A user id: a string in the contract; a number is accepted and turned into a string. */
export const UserIdSchema = z.union([
  z.string().min(1),
  z
    .number()
    .int()
    .transform((n) => String(n)),
]);
/** A number that a lenient backend may send as a numeric string (e.g. money from SQL). */
const NumberSchema = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform((s) => Number(s)),
]);

export const ROLES = ['user', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const UserProfileSchema = z.object({
  id: UserIdSchema,
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  created_at: z.string(),
});
export type UserProfile = z.infer<typeof UserProfileSchema>;

export const LoginResponseSchema = z.object({ token: z.string().min(1), user: UserProfileSchema });
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const ProductSchema = z.object({
  id: IntIdSchema,
  name: z.string(),
  description: z.string().default(''),
  price: NumberSchema,
  category: z.string().default(''),
  ingredients: z.array(z.string()).default([]),
  available: z.boolean().default(true),
  image_url: z.string().nullable().optional(),
});
export type Product = z.infer<typeof ProductSchema>;

/** Order statuses in their normal order, then `cancelled`. */
export const ORDER_STATUSES = ['pending', 'confirmed', 'preparing', 'ready', 'delivered', 'cancelled'] as const;
export const OrderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

/**
 * Allowed status transitions (backend-contract.md): pending → confirmed → preparing →
 * ready → delivered; pending, confirmed and preparing may be cancelled.
 */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['preparing', 'cancelled'],
  preparing: ['ready', 'cancelled'],
  ready: ['delivered'],
  delivered: [],
  cancelled: [],
};

export const OrderItemSchema = z.object({
  product_id: IntIdSchema,
  name: z.string(),
  quantity: z.number().int(),
  price: NumberSchema,
});
export const OrderSchema = z.object({
  id: IntIdSchema,
  user_id: UserIdSchema,
  status: OrderStatusSchema,
  total: NumberSchema,
  items: z.array(OrderItemSchema),
  comment: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Order = z.infer<typeof OrderSchema>;

/** Input of a new order (POST /orders): 1..100 lines of a product and a quantity, an optional comment. */
export const NewOrderSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        product_id: z.number().int().min(1),
        quantity: z.number().int().min(1).max(1000),
      }),
    )
    .min(1)
    .max(100),
  comment: z.string().max(500).optional(),
});
export type NewOrder = z.infer<typeof NewOrderSchema>;

/** The backend's answer about a token (POST /auth/verify). */
export const TokenCheckSchema = z.object({
  valid: z.boolean(),
  user_id: z.string().optional(),
  role: z.string().optional(),
  expires_at: z.string().optional(),
});
export type TokenCheck = z.infer<typeof TokenCheckSchema>;

export const StatsSchema = z.object({
  total_users: z.number().int(),
  total_orders: z.number().int(),
  total_revenue: NumberSchema,
  orders_by_status: z.record(z.string(), z.number().int()),
});
export type Stats = z.infer<typeof StatsSchema>;

export const UNITS = ['g', 'kg', 'ml', 'l', 'pcs'] as const;
export const UnitSchema = z.enum(UNITS);

export const IngredientSchema = z.object({
  id: IntIdSchema,
  name: z.string(),
  unit: UnitSchema,
  quantity: NumberSchema,
  min_quantity: NumberSchema,
  low_stock: z.boolean(),
  updated_at: z.string(),
});
export type Ingredient = z.infer<typeof IngredientSchema>;

export const MOVEMENT_REASONS = ['purchase', 'order', 'adjustment', 'waste'] as const;
export const IngredientMovementSchema = z.object({
  id: IntIdSchema,
  ingredient_id: IntIdSchema,
  delta: NumberSchema,
  reason: z.enum(MOVEMENT_REASONS),
  order_id: IntIdSchema.nullable().optional(),
  created_at: z.string(),
});
export type IngredientMovement = z.infer<typeof IngredientMovementSchema>;

/** Input of a new ingredient (POST /admin/ingredients). */
export const IngredientInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  unit: UnitSchema,
  quantity: z.number().nonnegative(),
  min_quantity: z.number().nonnegative(),
});
export type IngredientInput = z.infer<typeof IngredientInputSchema>;

/** A partial update of a user (PUT /admin/users/{id}). */
export const UserPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().optional(),
    role: RoleSchema.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one field');
export type UserPatch = z.infer<typeof UserPatchSchema>;

/** One page of a list and the total the backend reported (`X-Total-Count`; null when it sent none). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int().nullable() });
}
/** Paging of a list request. */
export const PageRequestSchema = z.strictObject({
  limit: z.number().int().min(1).max(500).optional(),
  offset: z.number().int().min(0).optional(),
});
