import { Button, Group, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useT } from '../../i18n';

/** Props of {@link ViewHeader}. */
export interface ViewHeaderProps {
  title: string;
  /** A dimmed line under the title. */
  description?: ReactNode;
  /** Refetches the view's data; the button spins while `refreshing`. */
  onRefresh?: () => void;
  refreshing?: boolean;
  /** Extra controls on the right (e.g. a Create button). */
  children?: ReactNode;
  testId?: string;
}

/** The title row of an admin view: title, description, a Refresh button and the view's own actions. */
export function ViewHeader({ title, description, onRefresh, refreshing = false, children, testId }: ViewHeaderProps) {
  const t = useT();
  return (
    <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
      <div>
        <Title order={4} fw={600}>
          {title}
        </Title>
        {description && (
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        )}
      </div>
      <Group gap="sm">
        {children}
        {onRefresh && (
          <Button
            variant="default"
            size="xs"
            onClick={onRefresh}
            loading={refreshing}
            data-testid={testId ? `${testId}-refresh` : undefined}
          >
            {t('admin.refresh')}
          </Button>
        )}
      </Group>
    </Group>
  );
}
