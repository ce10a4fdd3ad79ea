import { Alert, Button, Code, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorMessage, useConnection, useConnectionState } from '../api';

/** Where the token file lives, as told to the user (`TOKEN_FILE` of src/main/server/token.ts). */
export const TOKEN_LOCATION_HINT = '<data folder>/control-token';

/**
 * Asks for the control token in the browser dashboard. Open only while the connection is
 * `token-needed` (no token stored, or the server answered 401); cannot be dismissed,
 * since nothing works without the token. The token is checked before it is stored.
 */
export function TokenModal() {
  const state = useConnectionState();
  const connection = useConnection();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await connection.submitToken(token);
      setToken('');
    } catch (submitError) {
      setError(errorMessage(submitError));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      opened={state === 'token-needed'}
      onClose={() => {}}
      withCloseButton={false}
      closeOnClickOutside={false}
      closeOnEscape={false}
      centered
      title={<Text fw={600}>Control token</Text>}
    >
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            The supervisor's control API needs its token. It is printed by <Code>backend-supervisor serve</Code> at
            start; stored in <Code>{TOKEN_LOCATION_HINT}</Code> (the folder set by <Code>--data-dir</Code> or{' '}
            <Code>SUPERVISOR_DATA_DIR</Code>).
          </Text>
          <PasswordInput
            label="Control token"
            placeholder="Paste the token"
            value={token}
            onChange={(event) => setToken(event.currentTarget.value)}
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            required
            data-testid="token-input"
          />
          {error && (
            <Alert color="red" variant="light" p="xs">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy} disabled={token.trim() === ''} data-testid="token-submit">
            Connect
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
