import { Badge, Button, Center, Group, Loader, Stack, Text, Tooltip } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import type { Ingredient } from '../../../../shared/entities';
import { formatDate, formatDateTime, formatQuantity } from '../../format';
import { useDeleteIngredient, useIngredients } from '../../hooks/use-admin';
import { AdminErrorAlert } from './admin-error';
import { ConfirmModal } from './confirm-modal';
import { DataTable } from './data-table';
import { IngredientFormModal } from './ingredient-form-modal';
import { IngredientMovementsDrawer } from './ingredient-movements-drawer';
import { ViewHeader } from './view-header';

/** Text of a 409 on deleting an ingredient. */
export const INGREDIENT_IN_USE_TEXT = 'This ingredient is still in use and cannot be deleted.';

/** What the form modal edits: nothing (closed), a new ingredient, or one ingredient. */
type FormTarget = { mode: 'closed' } | { mode: 'create' } | { mode: 'edit'; ingredient: Ingredient };

/**
 * The Ingredients tab: stock with low stock highlighted (`data-low-stock="true"` and a red
 * badge), create, edit, delete with confirmation, and each ingredient's movement history.
 */
export function IngredientsView() {
  const query = useIngredients();
  const [form, setForm] = useState<FormTarget>({ mode: 'closed' });
  const [deleting, setDeleting] = useState<Ingredient | null>(null);
  const [history, setHistory] = useState<Ingredient | null>(null);

  const columns = useMemo<ColumnDef<Ingredient>[]>(
    () => [
      {
        id: 'name',
        accessorKey: 'name',
        header: 'Name',
        cell: ({ row }) => (
          <Text fw={500} size="sm">
            {row.original.name}
          </Text>
        ),
      },
      {
        id: 'quantity',
        accessorKey: 'quantity',
        header: 'Quantity',
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => `${formatQuantity(row.original.quantity)} ${row.original.unit}`,
      },
      {
        id: 'min',
        accessorKey: 'min_quantity',
        header: 'Minimum',
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => `${formatQuantity(row.original.min_quantity)} ${row.original.unit}`,
      },
      {
        id: 'stock',
        accessorFn: (ingredient) => (ingredient.low_stock ? 0 : 1),
        header: 'Stock',
        cell: ({ row }) =>
          row.original.low_stock ? (
            <Badge color="red" variant="filled" tt="none" data-testid={`ingredient-low-${row.original.id}`}>
              low stock
            </Badge>
          ) : (
            <Badge color="green" variant="light" tt="none">
              ok
            </Badge>
          ),
      },
      {
        id: 'updated',
        accessorKey: 'updated_at',
        header: 'Updated',
        meta: { nowrap: true },
        cell: ({ row }) => (
          <Tooltip label={formatDateTime(row.original.updated_at)} withArrow>
            <span>{formatDate(row.original.updated_at)}</span>
          </Tooltip>
        ),
      },
      {
        id: 'actions',
        header: '',
        enableSorting: false,
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => {
          const ingredient = row.original;
          return (
            <Group gap="xs" justify="flex-end" wrap="nowrap">
              <Button
                size="compact-sm"
                variant="subtle"
                onClick={() => setHistory(ingredient)}
                data-testid={`ingredient-movements-${ingredient.id}`}
              >
                History
              </Button>
              <Button
                size="compact-sm"
                variant="light"
                onClick={() => setForm({ mode: 'edit', ingredient })}
                data-testid={`ingredient-edit-${ingredient.id}`}
              >
                Edit
              </Button>
              <Button
                size="compact-sm"
                variant="subtle"
                color="red"
                onClick={() => setDeleting(ingredient)}
                data-testid={`ingredient-delete-${ingredient.id}`}
              >
                Delete
              </Button>
            </Group>
          );
        },
      },
    ],
    [],
  );

  const lowCount = query.data?.filter((ingredient) => ingredient.low_stock).length ?? 0;
  return (
    <Stack gap="md" data-testid="admin-ingredients">
      <ViewHeader
        title="Ingredients"
        description={
          query.data ? (
            <>
              {query.data.length} {query.data.length === 1 ? 'ingredient' : 'ingredients'}
              {lowCount > 0 && (
                <Text span c="red.7" fw={600} inherit data-testid="ingredients-low-count">
                  {' '}
                  · {lowCount} low on stock
                </Text>
              )}
            </>
          ) : undefined
        }
        onRefresh={() => void query.refetch()}
        refreshing={query.isFetching}
        testId="ingredients"
      >
        <Button size="xs" onClick={() => setForm({ mode: 'create' })} data-testid="ingredient-create">
          New ingredient
        </Button>
      </ViewHeader>
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={query.data ? 'Cannot refresh the ingredients' : 'Cannot load the ingredients'}
          onRetry={() => void query.refetch()}
        />
      )}
      {query.data ? (
        <DataTable
          data={query.data}
          columns={columns}
          getRowId={(ingredient) => String(ingredient.id)}
          rowAttributes={(ingredient) => ({
            'data-testid': `ingredient-row-${ingredient.id}`,
            'data-low-stock': String(ingredient.low_stock),
            style: ingredient.low_stock ? { backgroundColor: 'var(--mantine-color-red-light)' } : undefined,
          })}
          testId="ingredients-table"
          emptyText="No ingredients yet."
          initialSorting={[{ id: 'name', desc: false }]}
          pageSize={15}
          minWidth={820}
        />
      ) : (
        !query.isError && (
          <Center h={200}>
            <Loader />
          </Center>
        )
      )}
      <IngredientFormModal
        opened={form.mode !== 'closed'}
        ingredient={form.mode === 'edit' ? form.ingredient : null}
        onClose={() => setForm({ mode: 'closed' })}
      />
      <DeleteIngredientModal ingredient={deleting} onClose={() => setDeleting(null)} />
      <IngredientMovementsDrawer ingredient={history} onClose={() => setHistory(null)} />
    </Stack>
  );
}

function DeleteIngredientModal({ ingredient, onClose }: { ingredient: Ingredient | null; onClose: () => void }) {
  const remove = useDeleteIngredient();
  const close = (): void => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmModal
      opened={ingredient !== null}
      title="Delete ingredient"
      onClose={close}
      onConfirm={() => ingredient && remove.mutate(ingredient.id, { onSuccess: close })}
      busy={remove.isPending}
      error={remove.isError ? remove.error : undefined}
      conflict={INGREDIENT_IN_USE_TEXT}
      confirmTestId="ingredient-delete-confirm"
    >
      Delete{' '}
      <Text span fw={600} inherit>
        {ingredient?.name}
      </Text>{' '}
      and its movement history? This cannot be undone.
    </ConfirmModal>
  );
}
