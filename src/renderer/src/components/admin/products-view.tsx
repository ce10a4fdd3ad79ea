import { Badge, Center, Group, Loader, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import type { Product } from '../../../../shared/entities';
import { formatMoney } from '../../format';
import { useProducts } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';
import { DataTable } from './data-table';
import { ViewHeader } from './view-header';

/** Every ingredient name found in `products`, once each (case-insensitively), sorted. */
export function ingredientNames(products: readonly Pick<Product, 'ingredients'>[]): string[] {
  const byKey = new Map<string, string>();
  for (const product of products) {
    for (const name of product.ingredients) {
      const key = name.trim().toLocaleLowerCase();
      if (key && !byKey.has(key)) byKey.set(key, name.trim());
    }
  }
  return [...byKey.values()].sort((a, b) => a.localeCompare(b));
}

const NO_FILTER = { search: '', ingredient: null };

/**
 * The Products tab: search by name (the client's exact → prefix → substring match, case-
 * and accent-insensitive; results keep that order until a column is sorted) and filter by
 * one ingredient.
 */
export function ProductsView() {
  const t = useT();
  const [search, setSearch] = useState('');
  const [ingredient, setIngredient] = useState<string | null>(null);
  const [debouncedSearch] = useDebouncedValue(search, 250);
  const all = useProducts(NO_FILTER);
  const query = useProducts({ search: debouncedSearch, ingredient });
  const ingredients = useMemo(() => ingredientNames(all.data ?? []), [all.data]);

  const columns = useMemo<ColumnDef<Product>[]>(
    () => [
      {
        id: 'name',
        accessorKey: 'name',
        header: t('products.col.name'),
        cell: ({ row }) => (
          <Stack gap={0}>
            <Text size="sm" fw={500}>
              {row.original.name}
            </Text>
            {row.original.description && (
              <Text size="xs" c="dimmed" lineClamp={1}>
                {row.original.description}
              </Text>
            )}
          </Stack>
        ),
      },
      { id: 'category', accessorKey: 'category', header: t('products.col.category'), meta: { nowrap: true } },
      {
        id: 'price',
        accessorKey: 'price',
        header: t('products.col.price'),
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => formatMoney(row.original.price),
      },
      {
        id: 'ingredients',
        accessorFn: (product) => product.ingredients.join(', '),
        header: t('products.col.ingredients'),
        cell: ({ row }) => (
          <Group gap={4}>
            {row.original.ingredients.map((name) => (
              <Badge
                key={name}
                size="sm"
                variant={ingredient && sameName(name, ingredient) ? 'filled' : 'default'}
                tt="none"
                fw={500}
              >
                {name}
              </Badge>
            ))}
          </Group>
        ),
      },
      {
        id: 'available',
        accessorKey: 'available',
        header: t('products.col.available'),
        cell: ({ row }) => (
          <Badge color={row.original.available ? 'green' : 'gray'} variant="light" tt="none">
            {t(row.original.available ? 'products.yes' : 'products.no')}
          </Badge>
        ),
      },
    ],
    [ingredient, t],
  );

  const filtered = debouncedSearch.trim() !== '' || ingredient !== null;
  return (
    <Stack gap="md" data-testid="admin-products">
      <ViewHeader
        title={t('products.title')}
        description={query.data ? t('products.count', { count: query.data.length }) : undefined}
        onRefresh={() => {
          void all.refetch();
          void query.refetch();
        }}
        refreshing={query.isFetching}
        testId="products"
      />
      <Group gap="sm" wrap="wrap">
        <TextInput
          aria-label={t('products.search')}
          placeholder={t('products.search')}
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
          maxLength={200}
          w={260}
          data-testid="products-search"
        />
        <Select
          aria-label={t('products.ingredient')}
          placeholder={t('products.anyIngredient')}
          data={ingredients}
          value={ingredient}
          onChange={setIngredient}
          searchable
          clearable
          nothingFoundMessage={t('products.noIngredient')}
          w={220}
          data-testid="products-ingredient"
        />
      </Group>
      {query.isError && (
        <AdminErrorAlert error={query.error} action={t('products.loadError')} onRetry={() => void query.refetch()} />
      )}
      {query.data ? (
        <DataTable
          data={query.data}
          columns={columns}
          getRowId={(product) => String(product.id)}
          rowAttributes={(product) => ({
            'data-testid': `product-row-${product.id}`,
            'data-available': String(product.available),
          })}
          testId="products-table"
          emptyText={t(filtered ? 'products.noMatch' : 'products.none')}
          resetPageKey={`${debouncedSearch}\u0000${ingredient ?? ''}`}
          busy={query.isPlaceholderData}
          minWidth={820}
        />
      ) : (
        !query.isError && (
          <Center h={200}>
            <Loader />
          </Center>
        )
      )}
    </Stack>
  );
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();
}
