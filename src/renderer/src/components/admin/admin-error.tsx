import { Alert, Anchor, Button, Group, Stack, Text } from '@mantine/core';
import { describeAdminError } from '../../admin/admin-errors';
import { useT } from '../../i18n';

/** Props of {@link AdminErrorAlert}. */
export interface AdminErrorAlertProps {
  error: unknown;
  /** Offers a Retry button. */
  onRetry?: () => void;
  /** The text of a 409 for this action (e.g. "this user still has orders"). */
  conflict?: string;
  /** A lead-in such as "Cannot load the orders". */
  action?: string;
  testId?: string;
}

/**
 * A failed admin call, told in the user's terms: the backend down (with a link to the
 * Status page), a refusal with its HTTP status and code, an unexpected answer with its field.
 */
export function AdminErrorAlert({ error, onRetry, conflict, action, testId = 'admin-error' }: AdminErrorAlertProps) {
  const t = useT();
  const text = describeAdminError(error, { conflict }, t);
  return (
    <Alert
      color="red"
      variant="light"
      title={action ? t('admin.error.action', { action, title: text.title }) : text.title}
      data-testid={testId}
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {text.message}
        </Text>
        {(onRetry || text.suggestStatusPage) && (
          <Group gap="sm">
            {onRetry && (
              <Button size="xs" variant="light" color="red" onClick={onRetry}>
                {t('common.retry')}
              </Button>
            )}
            {text.suggestStatusPage && (
              <Anchor href="#/status" size="sm" data-testid="admin-error-status-link">
                {t('admin.openStatus')}
              </Anchor>
            )}
          </Group>
        )}
      </Stack>
    </Alert>
  );
}
