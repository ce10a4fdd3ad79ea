import { Button, Group, Modal, NativeSelect, NumberInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { IngredientInputSchema, UNITS, type Ingredient, type IngredientInput } from '../../../../shared/entities';
import { useCreateIngredient, useUpdateIngredient } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';

/** Text of a 409 on saving an ingredient (a translation key). */
export const INGREDIENT_NAME_TAKEN_KEY = 'ingredientForm.nameTaken';

/** Props of {@link IngredientFormModal}. */
export interface IngredientFormModalProps {
  opened: boolean;
  /** The ingredient to edit; null to create a new one. */
  ingredient: Ingredient | null;
  onClose: () => void;
}

/** Creates an ingredient, or edits name, unit, quantity and minimum (sending only what changed). */
export function IngredientFormModal({ opened, ingredient, onClose }: IngredientFormModalProps) {
  const t = useT();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={
        <Text fw={600}>
          {ingredient ? t('ingredientForm.editTitle', { name: ingredient.name }) : t('ingredients.new')}
        </Text>
      }
      centered
    >
      {/* Keyed: the form starts from the current values each time it opens. */}
      {opened && <IngredientForm key={ingredient?.id ?? 'new'} ingredient={ingredient} onDone={onClose} />}
    </Modal>
  );
}

type FieldErrors = Partial<Record<keyof IngredientInput, string>>;

function IngredientForm({ ingredient, onDone }: { ingredient: Ingredient | null; onDone: () => void }) {
  const t = useT();
  const create = useCreateIngredient();
  const update = useUpdateIngredient();
  const mutation = ingredient ? update : create;
  const [name, setName] = useState(ingredient?.name ?? '');
  const [unit, setUnit] = useState<string>(ingredient?.unit ?? 'kg');
  const [quantity, setQuantity] = useState<number | string>(ingredient?.quantity ?? 0);
  const [minQuantity, setMinQuantity] = useState<number | string>(ingredient?.min_quantity ?? 0);
  const [errors, setErrors] = useState<FieldErrors>({});

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const parsed = IngredientInputSchema.safeParse({
      name,
      unit,
      quantity: toNumber(quantity),
      min_quantity: toNumber(minQuantity),
    });
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as keyof IngredientInput | undefined;
        if (field && !next[field]) next[field] = t(field === 'name' ? 'users.enterName' : 'ingredientForm.enterNumber');
      }
      setErrors(next);
      return;
    }
    setErrors({});
    const input = parsed.data;
    if (!ingredient) {
      create.mutate(input, { onSuccess: onDone });
      return;
    }
    const patch: Partial<IngredientInput> = {};
    if (input.name !== ingredient.name) patch.name = input.name;
    if (input.unit !== ingredient.unit) patch.unit = input.unit;
    if (input.quantity !== ingredient.quantity) patch.quantity = input.quantity;
    if (input.min_quantity !== ingredient.min_quantity) patch.min_quantity = input.min_quantity;
    if (Object.keys(patch).length === 0) return onDone();
    update.mutate({ id: ingredient.id, patch }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput
          label={t('ingredients.col.name')}
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.name}
          maxLength={200}
          required
          data-autofocus
          data-testid="ingredient-name"
        />
        <SimpleGrid cols={3} spacing="sm">
          <NumberInput
            label={t('ingredients.col.quantity')}
            value={quantity}
            onChange={setQuantity}
            min={0}
            decimalScale={3}
            error={errors.quantity}
            required
            data-testid="ingredient-quantity"
          />
          <NumberInput
            label={t('ingredients.col.min')}
            value={minQuantity}
            onChange={setMinQuantity}
            min={0}
            decimalScale={3}
            error={errors.min_quantity}
            required
            data-testid="ingredient-min"
          />
          <NativeSelect
            label={t('ingredientForm.unit')}
            value={unit}
            onChange={(event) => setUnit(event.currentTarget.value)}
            data={[...UNITS]}
            error={errors.unit}
            data-testid="ingredient-unit"
          />
        </SimpleGrid>
        {ingredient && (
          <Text size="xs" c="dimmed">
            {t('ingredientForm.adjustment')}
          </Text>
        )}
        {mutation.isError && (
          <AdminErrorAlert
            error={mutation.error}
            action={t('users.saveError')}
            conflict={t(INGREDIENT_NAME_TAKEN_KEY)}
            testId="ingredient-save-error"
          />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone} disabled={mutation.isPending}>
            {t('admin.cancel')}
          </Button>
          <Button type="submit" loading={mutation.isPending} data-testid="ingredient-save">
            {t(ingredient ? 'users.save' : 'ingredientForm.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function toNumber(value: number | string): number {
  if (typeof value === 'number') return value;
  return value.trim() === '' ? Number.NaN : Number(value);
}
