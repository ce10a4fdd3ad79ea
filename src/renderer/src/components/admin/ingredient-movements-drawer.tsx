import { Badge, Center, Drawer, Loader, Table, Text, Tooltip, type MantineColor } from '@mantine/core';
import type { Ingredient, IngredientMovement } from '../../../../shared/entities';
import { formatDateTime, formatQuantity } from '../../format';
import { useIngredientMovements } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';

/** The colour of each movement reason. */
export const REASON_COLORS: Record<IngredientMovement['reason'], MantineColor> = {
  purchase: 'green',
  order: 'blue',
  adjustment: 'violet',
  waste: 'red',
};

/** The label key of each movement reason (English: the reason's name exactly). */
const REASON_KEYS: Record<IngredientMovement['reason'], string> = {
  purchase: 'movements.reason.purchase',
  order: 'movements.reason.order',
  adjustment: 'movements.reason.adjustment',
  waste: 'movements.reason.waste',
};

/** Movements newest first (by time, then id), whatever order they came in. */
export function newestFirst(movements: readonly IngredientMovement[]): IngredientMovement[] {
  return [...movements].sort((a, b) => {
    const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
    return Number.isNaN(byTime) || byTime === 0 ? b.id - a.id : byTime;
  });
}

/** Props of {@link IngredientMovementsDrawer}. */
export interface IngredientMovementsDrawerProps {
  /** The ingredient whose history is shown; null when closed. */
  ingredient: Ingredient | null;
  onClose: () => void;
}

/** The stock history of one ingredient, newest first, each change with its reason. */
export function IngredientMovementsDrawer({ ingredient, onClose }: IngredientMovementsDrawerProps) {
  const t = useT();
  const query = useIngredientMovements(ingredient?.id ?? null);
  return (
    <Drawer
      opened={ingredient !== null}
      onClose={onClose}
      position="right"
      size="lg"
      title={
        <Text fw={600}>{ingredient ? t('movements.titleOf', { name: ingredient.name }) : t('movements.title')}</Text>
      }
    >
      <div data-testid="ingredient-movements">
        {query.isError ? (
          <AdminErrorAlert error={query.error} action={t('movements.loadError')} onRetry={() => void query.refetch()} />
        ) : !query.data ? (
          <Center h={160}>
            <Loader />
          </Center>
        ) : query.data.length === 0 ? (
          <Text c="dimmed" size="sm" data-testid="ingredient-movements-empty">
            {t('movements.none')}
          </Text>
        ) : (
          <Table striped withTableBorder fz="sm" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('movements.col.time')}</Table.Th>
                <Table.Th ta="right">{t('movements.col.change')}</Table.Th>
                <Table.Th>{t('movements.col.reason')}</Table.Th>
                <Table.Th>{t('movements.col.order')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {newestFirst(query.data).map((movement) => (
                <Table.Tr key={movement.id} data-testid="movement-row" data-reason={movement.reason}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Tooltip label={movement.created_at} withArrow>
                      <span>{formatDateTime(movement.created_at)}</span>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td
                    ta="right"
                    c={movement.delta < 0 ? 'red.7' : 'green.7'}
                    fw={600}
                    style={{ whiteSpace: 'nowrap' }}
                  >
                    {movement.delta > 0 ? '+' : ''}
                    {formatQuantity(movement.delta)} {ingredient?.unit}
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      color={REASON_COLORS[movement.reason]}
                      variant="light"
                      tt="none"
                      data-testid="movement-reason"
                    >
                      {t(REASON_KEYS[movement.reason])}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{movement.order_id != null ? `#${movement.order_id}` : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </div>
    </Drawer>
  );
}
