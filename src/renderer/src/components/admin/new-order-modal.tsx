import { ActionIcon, Button, Group, Modal, NumberInput, Select, Stack, Table, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { Order, Product } from '../../../../shared/entities';
import { formatMoney } from '../../format';
import { useCreateOrder, useProducts } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';

/** Largest quantity of one line (backend-contract.md). */
export const MAX_LINE_QUANTITY = 1000;
/** Most lines of one order. */
export const MAX_ORDER_LINES = 100;
/** Longest comment. */
export const MAX_COMMENT = 500;

/** One line of the order being written. */
export interface DraftLine {
  product_id: number;
  quantity: number;
}

/** Adds `quantity` of a product to the lines (merged into its line if present, capped at {@link MAX_LINE_QUANTITY}). */
export function addLine(lines: DraftLine[], productId: number, quantity: number): DraftLine[] {
  const existing = lines.find((line) => line.product_id === productId);
  if (!existing) return [...lines, { product_id: productId, quantity: Math.min(quantity, MAX_LINE_QUANTITY) }];
  return lines.map((line) =>
    line.product_id === productId ? { ...line, quantity: Math.min(line.quantity + quantity, MAX_LINE_QUANTITY) } : line,
  );
}

/** Props of {@link NewOrderModal}. */
export interface NewOrderModalProps {
  opened: boolean;
  onClose: () => void;
  /** Called with the order the backend created (the modal is closed by then). */
  onCreated: (order: Order) => void;
}

/** Places an order as the logged-in user: available products, a quantity each, an optional comment. */
export function NewOrderModal({ opened, onClose, onCreated }: NewOrderModalProps) {
  const t = useT();
  return (
    <Modal opened={opened} onClose={onClose} title={t('orders.new')} size="lg">
      {opened && <NewOrderForm onClose={onClose} onCreated={onCreated} />}
    </Modal>
  );
}

function NewOrderForm({ onClose, onCreated }: Omit<NewOrderModalProps, 'opened'>) {
  const t = useT();
  const products = useProducts({ search: '', ingredient: null });
  const create = useCreateOrder();
  const [productId, setProductId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number>(1);
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [comment, setComment] = useState('');

  const available = (products.data ?? []).filter((product) => product.available);
  const byId = new Map<number, Product>((products.data ?? []).map((product) => [product.id, product]));
  const quantityOk = Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_LINE_QUANTITY;
  const canAdd = productId !== null && quantityOk && (lines.length < MAX_ORDER_LINES || byId.has(Number(productId)));
  const total = lines.reduce((sum, line) => sum + (byId.get(line.product_id)?.price ?? 0) * line.quantity, 0);

  const submit = (): void => {
    const text = comment.trim();
    create.mutate(
      { items: lines, ...(text ? { comment: text } : {}) },
      {
        onSuccess: (order) => {
          onClose();
          onCreated(order);
        },
      },
    );
  };

  return (
    <Stack gap="md" data-testid="order-create-modal">
      {products.isError && (
        <AdminErrorAlert
          error={products.error}
          action={t('newOrder.productsError')}
          onRetry={() => void products.refetch()}
        />
      )}
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label={t('newOrder.product')}
          placeholder={t(products.isLoading ? 'newOrder.loading' : 'newOrder.pick')}
          data={available.map((product) => ({
            value: String(product.id),
            label: `${product.name} (${formatMoney(product.price)})`,
          }))}
          value={productId}
          onChange={setProductId}
          searchable
          nothingFoundMessage={t('newOrder.nothing')}
          style={{ flex: 1, minWidth: 220 }}
          data-testid="order-product"
        />
        <NumberInput
          label={t('newOrder.quantity')}
          value={quantity}
          onChange={(value) => setQuantity(typeof value === 'number' ? value : Number(value))}
          min={1}
          max={MAX_LINE_QUANTITY}
          allowDecimal={false}
          allowNegative={false}
          w={110}
          data-testid="order-quantity"
        />
        <Button
          variant="light"
          disabled={!canAdd}
          onClick={() => {
            if (productId === null) return;
            setLines((current) => addLine(current, Number(productId), quantity));
            setProductId(null);
            setQuantity(1);
          }}
          data-testid="order-add-item"
        >
          {t('newOrder.add')}
        </Button>
      </Group>

      {lines.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="order-lines-empty">
          {t('newOrder.empty')}
        </Text>
      ) : (
        <Table data-testid="order-lines">
          <Table.Tbody>
            {lines.map((line) => {
              const product = byId.get(line.product_id);
              return (
                <Table.Tr key={line.product_id} data-testid={`order-line-${line.product_id}`}>
                  <Table.Td>{product?.name ?? t('newOrder.productId', { id: line.product_id })}</Table.Td>
                  <Table.Td ta="right">{line.quantity}×</Table.Td>
                  <Table.Td ta="right">{product ? formatMoney(product.price * line.quantity) : '—'}</Table.Td>
                  <Table.Td w={40}>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={t('newOrder.remove', { name: product?.name ?? line.product_id })}
                      onClick={() => setLines((current) => current.filter((l) => l.product_id !== line.product_id))}
                      data-testid={`order-line-remove-${line.product_id}`}
                    >
                      ×
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}

      <Textarea
        label={t('newOrder.comment')}
        placeholder={t('newOrder.optional')}
        value={comment}
        onChange={(event) => setComment(event.currentTarget.value)}
        maxLength={MAX_COMMENT}
        rows={2}
        data-testid="order-comment"
      />

      {create.isError && (
        <AdminErrorAlert error={create.error} action={t('newOrder.createError')} testId="order-create-error" />
      )}

      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {lines.length > 0 ? t('newOrder.about', { total: formatMoney(total) }) : ''}
        </Text>
        <Group gap="sm">
          <Button variant="default" onClick={onClose}>
            {t('admin.cancel')}
          </Button>
          <Button onClick={submit} disabled={lines.length === 0} loading={create.isPending} data-testid="order-submit">
            {t('newOrder.submit')}
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}
