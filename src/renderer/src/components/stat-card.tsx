import { Paper, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Props of {@link StatCard}. */
export interface StatCardProps {
  label: string;
  /** The main value; `testId` goes on the element holding exactly this value. */
  value: ReactNode;
  testId?: string;
  /** A dimmed line under the value. */
  detail?: ReactNode;
  /** Colour of the value (a Mantine colour such as `green.7`). */
  color?: string;
}

/** One figure of the status page: a small label over a large value. */
export function StatCard({ label, value, testId, detail, color }: StatCardProps) {
  return (
    <Paper withBorder radius="md" p="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
        {label}
      </Text>
      <Text size="xl" fw={700} mt={4} c={color} data-testid={testId}>
        {value}
      </Text>
      {detail !== undefined && (
        <Text size="xs" c="dimmed" mt={4}>
          {detail}
        </Text>
      )}
    </Paper>
  );
}
