import { Badge, Button, Center, Group, Loader, Stack, Text, Tooltip } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { Trans } from 'react-i18next';
import type { Ingredient } from '../../../../shared/entities';
import { formatDate, formatDateTime, formatQuantity } from '../../format';
import { useDeleteIngredient, useIngredients } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';
import { ConfirmModal } from './confirm-modal';
import { DataTable } from './data-table';
import { IngredientFormModal } from './ingredient-form-modal';
import { IngredientMovementsDrawer } from './ingredient-movements-drawer';
import { ViewHeader } from './view-header';

/** Text of a 409 on deleting an ingredient (a translation key). */
export const INGREDIENT_IN_USE_KEY = 'ingredients.inUse';

/** What the form modal edits: nothing (closed), a new ingredient, or one ingredient. */
type FormTarget = { mode: 'closed' } | { mode: 'create' } | { mode: 'edit'; ingredient: Ingredient };

/**
 * The Ingredients tab: stock with low stock highlighted (`data-low-stock="true"` and a red
 * badge), create, edit, delete with confirmation, and each ingredient's movement history.
 */
export function IngredientsView() {
  const t = useT();
  const query = useIngredients();
  const [form, setForm] = useState<FormTarget>({ mode: 'closed' });
  const [deleting, setDeleting] = useState<Ingredient | null>(null);
  const [history, setHistory] = useState<Ingredient | null>(null);

  const columns = useMemo<ColumnDef<Ingredient>[]>(
    () => [
      {
        id: 'name',
        accessorKey: 'name',
        header: t('ingredients.col.name'),
        cell: ({ row }) => (
          <Text fw={500} size="sm">
            {row.original.name}
          </Text>
        ),
      },
      {
        id: 'quantity',
        accessorKey: 'quantity',
        header: t('ingredients.col.quantity'),
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) =>
          t('ingredients.amount', { quantity: formatQuantity(row.original.quantity), unit: row.original.unit }),
      },
      {
        id: 'min',
        accessorKey: 'min_quantity',
        header: t('ingredients.col.min'),
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) =>
          t('ingredients.amount', { quantity: formatQuantity(row.original.min_quantity), unit: row.original.unit }),
      },
      {
        id: 'stock',
        accessorFn: (ingredient) => (ingredient.low_stock ? 0 : 1),
        header: t('ingredients.col.stock'),
        cell: ({ row }) =>
          row.original.low_stock ? (
            <Badge color="red" variant="filled" tt="none" data-testid={`ingredient-low-${row.original.id}`}>
              {t('ingredients.lowStock')}
            </Badge>
          ) : (
            <Badge color="green" variant="light" tt="none">
              {t('ingredients.ok')}
            </Badge>
          ),
      },
      {
        id: 'updated',
        accessorKey: 'updated_at',
        header: t('ingredients.col.updated'),
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
                {t('ingredients.history')}
              </Button>
              <Button
                size="compact-sm"
                variant="light"
                onClick={() => setForm({ mode: 'edit', ingredient })}
                data-testid={`ingredient-edit-${ingredient.id}`}
              >
                {t('ingredients.edit')}
              </Button>
              <Button
                size="compact-sm"
                variant="subtle"
                color="red"
                onClick={() => setDeleting(ingredient)}
                data-testid={`ingredient-delete-${ingredient.id}`}
              >
                {t('admin.delete')}
              </Button>
            </Group>
          );
        },
      },
    ],
    [t],
  );

  const lowCount = query.data?.filter((ingredient) => ingredient.low_stock).length ?? 0;
  return (
    <Stack gap="md" data-testid="admin-ingredients">
      <ViewHeader
        title={t('ingredients.title')}
        description={
          query.data ? (
            <>
              {t('ingredients.count', { count: query.data.length })}
              {lowCount > 0 && (
                <Text span c="red.7" fw={600} inherit data-testid="ingredients-low-count">
                  {' '}
                  · {t('ingredients.low', { count: lowCount })}
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
          {t('ingredients.new')}
        </Button>
      </ViewHeader>
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={t(query.data ? 'ingredients.refreshError' : 'ingredients.loadError')}
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
          emptyText={t('ingredients.none')}
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
  const t = useT();
  const remove = useDeleteIngredient();
  const close = (): void => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmModal
      opened={ingredient !== null}
      title={t('ingredients.deleteTitle')}
      onClose={close}
      onConfirm={() => ingredient && remove.mutate(ingredient.id, { onSuccess: close })}
      busy={remove.isPending}
      error={remove.isError ? remove.error : undefined}
      conflict={t(INGREDIENT_IN_USE_KEY)}
      confirmTestId="ingredient-delete-confirm"
    >
      <Trans
        i18nKey="ingredients.deleteConfirm"
        values={{ name: ingredient?.name ?? '' }}
        components={{ b: <Text span fw={600} inherit /> }}
      />
    </ConfirmModal>
  );
}
