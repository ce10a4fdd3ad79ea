import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';

/** Props of {@link ConfirmModal}. */
export interface ConfirmModalProps {
  opened: boolean;
  title: string;
  children: ReactNode;
  /** Text of the confirm button. @default 'Delete' (translated) */
  confirmLabel?: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  /** The last attempt's failure, shown in the modal. */
  error?: unknown;
  /** The text of a 409 for this action. */
  conflict?: string;
  /** `data-testid` of the confirm button. */
  confirmTestId: string;
}

/** Asks before a destructive action; stays open with the error when the action fails. */
export function ConfirmModal({
  opened,
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  busy = false,
  error,
  conflict,
  confirmTestId,
}: ConfirmModalProps) {
  const t = useT();
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>{title}</Text>} centered>
      <Stack gap="md">
        <Text size="sm">{children}</Text>
        {error != null && <AdminErrorAlert error={error} conflict={conflict} testId="confirm-error" />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} disabled={busy}>
            {t('admin.cancel')}
          </Button>
          <Button color="red" onClick={onConfirm} loading={busy} data-testid={confirmTestId}>
            {confirmLabel ?? t('admin.delete')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
