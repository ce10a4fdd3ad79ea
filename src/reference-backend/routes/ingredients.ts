import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../auth-guard';
import { requireDb, type AppContext } from '../context';
import { isUniqueViolation } from '../db';
import {
  INGREDIENT_COLUMNS,
  MOVEMENT_COLUMNS,
  UNITS,
  toIngredient,
  toMovement,
  type IngredientRow,
  type MovementRow,
} from '../entities';
import { ApiError, parseInput } from '../errors';
import { parsePage, setTotalCount } from '../pagination';
import { intIdParam, notFound } from '../params';

/** Largest quantity accepted: `numeric(14, 3)` holds 11 integer digits; this keeps room for sums. */
export const MAX_QUANTITY = 1_000_000_000;

const quantity = z.number().min(0).max(MAX_QUANTITY);

const IngredientFields = {
  name: z.string().trim().min(1).max(200),
  unit: z.enum(UNITS),
  quantity,
  min_quantity: quantity,
};

const NewIngredientBody = z.object(IngredientFields);

// strictObject: a typo must not silently change nothing.
const IngredientPatchBody = z
  .strictObject({
    name: IngredientFields.name.optional(),
    unit: IngredientFields.unit.optional(),
    quantity: quantity.optional(),
    min_quantity: quantity.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    error: 'give at least one of name, unit, quantity, min_quantity',
  });

const NAME_TAKEN = 'an ingredient with this name already exists';

/** Numbers go to SQL as text: exact decimals, no float surprises in `numeric`. */
function decimal(n: number): string {
  return String(n);
}

/**
 * Ingredient routes (backend-contract.md, "Admin"); admin Bearer token required:
 * - `GET /admin/ingredients` → `Ingredient[]` by id, paged, `X-Total-Count`.
 * - `POST /admin/ingredients` `{name, unit, quantity, min_quantity}` → 201 `Ingredient`;
 *   a quantity above 0 is recorded as a `purchase` movement (movements add up to the stock).
 * - `PUT /admin/ingredients/{id}` partial → 200 `Ingredient`; a quantity change records an
 *   `adjustment` movement with the delta.
 * - `DELETE /admin/ingredients/{id}` → 204 (its movements and recipe rows go with it).
 * - `GET /admin/ingredients/{id}/movements` → `IngredientMovement[]`, newest first, paged.
 * A name already used answers 409 CONFLICT; unknown ids 404 NOT_FOUND.
 */
export function registerIngredientRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin/ingredients', async (request, reply) => {
    await authenticate(ctx, request, 'admin');
    const page = parsePage(request.query);
    const db = requireDb(ctx);
    const count = await db.query<{ total: number }>('select count(*)::int as total from ingredients');
    const { rows } = await db.query<IngredientRow>(
      `select ${INGREDIENT_COLUMNS} from ingredients order by id limit $1 offset $2`,
      [page.limit ?? null, page.offset],
    );
    setTotalCount(reply, count.rows[0]?.total ?? 0);
    return rows.map(toIngredient);
  });

  app.post('/admin/ingredients', async (request, reply) => {
    await authenticate(ctx, request, 'admin');
    const body = parseInput(NewIngredientBody, request.body);
    try {
      const created = await requireDb(ctx).transaction(async (tx) => {
        const { rows } = await tx.query<IngredientRow>(
          `insert into ingredients (name, unit, quantity, min_quantity) values ($1, $2, $3::numeric, $4::numeric)
           returning ${INGREDIENT_COLUMNS}`,
          [body.name, body.unit, decimal(body.quantity), decimal(body.min_quantity)],
        );
        const row = rows[0]!;
        await tx.query(
          `insert into ingredient_movements (ingredient_id, delta, reason)
           select $1::int, $2::numeric, 'purchase' where $2::numeric > 0`,
          [row.id, row.quantity],
        );
        return toIngredient(row);
      });
      return reply.code(201).send(created);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, 'CONFLICT', NAME_TAKEN);
      throw err;
    }
  });

  app.put('/admin/ingredients/:id', async (request) => {
    await authenticate(ctx, request, 'admin');
    const id = intIdParam(request.params, 'ingredient');
    const patch = parseInput(IngredientPatchBody, request.body);
    try {
      return await requireDb(ctx).transaction(async (tx) => {
        const before = await tx.query<{ quantity: string }>(
          'select quantity::text as quantity from ingredients where id = $1 for update',
          [id],
        );
        const old = before.rows[0];
        if (!old) throw notFound('ingredient', id);
        const { rows } = await tx.query<IngredientRow>(
          `update ingredients set
             name = coalesce($2, name),
             unit = coalesce($3, unit),
             quantity = coalesce($4::numeric, quantity),
             min_quantity = coalesce($5::numeric, min_quantity),
             updated_at = now()
           where id = $1 returning ${INGREDIENT_COLUMNS}`,
          [
            id,
            patch.name ?? null,
            patch.unit ?? null,
            patch.quantity === undefined ? null : decimal(patch.quantity),
            patch.min_quantity === undefined ? null : decimal(patch.min_quantity),
          ],
        );
        const row = rows[0]!;
        // The delta is taken from the stored (rounded) values, so movements add up exactly.
        await tx.query(
          `insert into ingredient_movements (ingredient_id, delta, reason)
           select $1::int, $2::numeric - $3::numeric, 'adjustment' where $2::numeric <> $3::numeric`,
          [id, row.quantity, old.quantity],
        );
        return toIngredient(row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, 'CONFLICT', NAME_TAKEN);
      throw err;
    }
  });

  app.delete('/admin/ingredients/:id', async (request, reply) => {
    await authenticate(ctx, request, 'admin');
    const id = intIdParam(request.params, 'ingredient');
    const { rows } = await requireDb(ctx).query<{ id: number }>('delete from ingredients where id = $1 returning id', [
      id,
    ]);
    if (rows.length === 0) throw notFound('ingredient', id);
    return reply.code(204).send();
  });

  app.get('/admin/ingredients/:id/movements', async (request, reply) => {
    await authenticate(ctx, request, 'admin');
    const id = intIdParam(request.params, 'ingredient');
    const page = parsePage(request.query);
    const db = requireDb(ctx);
    const exists = await db.query('select 1 from ingredients where id = $1', [id]);
    if (exists.rows.length === 0) throw notFound('ingredient', id);
    const count = await db.query<{ total: number }>(
      'select count(*)::int as total from ingredient_movements where ingredient_id = $1',
      [id],
    );
    const { rows } = await db.query<MovementRow>(
      `select ${MOVEMENT_COLUMNS} from ingredient_movements where ingredient_id = $1
       order by created_at desc, id desc limit $2 offset $3`,
      [id, page.limit ?? null, page.offset],
    );
    setTotalCount(reply, count.rows[0]?.total ?? 0);
    return rows.map(toMovement);
  });
}
