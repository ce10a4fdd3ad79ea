import { Alert, Badge, Button, Group, Loader, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../api';
import { LogView } from '../components/log-view';
import { useLogTail } from '../hooks/use-log-tail';

/** The live log tail: stdout, stderr and the supervisor's own lines, newest at the bottom. */
export function LogsPage() {
  const { lines, loading, error, reload } = useLogTail();
  const [follow, setFollow] = useState(true);

  return (
    <Stack gap="sm" h="100%">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm">
          <Title order={3} fw={600}>
            Logs
          </Title>
          <Badge variant="default" tt="none" data-testid="log-count">
            {lines.length.toLocaleString()} lines
          </Badge>
          {loading && <Loader size="xs" />}
        </Group>
        <Group gap="md">
          <Group gap={6}>
            <Badge size="xs" variant="light" color="gray" tt="none">
              stdout
            </Badge>
            <Badge size="xs" variant="light" color="red" tt="none">
              stderr
            </Badge>
            <Badge size="xs" variant="outline" color="gray" tt="none">
              supervisor
            </Badge>
          </Group>
          <Switch
            label="Follow"
            checked={follow}
            onChange={(event) => setFollow(event.currentTarget.checked)}
            data-testid="log-follow"
          />
        </Group>
      </Group>
      {error != null && (
        <Alert color="red" variant="light" title="Cannot load the log tail" py="xs">
          <Group justify="space-between">
            <Text size="sm">{errorMessage(error)}</Text>
            <Button size="xs" variant="light" color="red" onClick={reload}>
              Retry
            </Button>
          </Group>
        </Alert>
      )}
      <Paper withBorder radius="md" style={{ flex: 1, minHeight: 0, overflow: 'hidden' }} py={6}>
        <LogView
          lines={lines}
          follow={follow}
          onFollowChange={setFollow}
          emptyText={loading ? 'Loading…' : 'No log lines yet.'}
        />
      </Paper>
    </Stack>
  );
}
