import { Alert, Anchor, Button, Checkbox, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorCode } from '../../api';
import { BACKEND_ERROR_CODES, describeAdminError, WRONG_CREDENTIALS_TEXT } from '../../admin/admin-errors';
import { useLogin } from '../../hooks/use-admin';

/** Props of {@link LoginForm}. */
export interface LoginFormProps {
  /** Why the form is back (e.g. "Session expired, log in again"); replaced by a failed attempt's error. */
  notice?: string | null;
  /** Called after a successful login. */
  onLoggedIn?: () => void;
}

/**
 * Logs in to the supervised backend. The main process keeps the token (and, with
 * "Remember me", the credentials for re-login); the page only learns the user.
 */
export function LoginForm({ notice = null, onLoggedIn }: LoginFormProps) {
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    login.mutate(
      { email: email.trim(), password, remember },
      {
        onSuccess: () => {
          setPassword('');
          onLoggedIn?.();
        },
      },
    );
  };

  return (
    <Paper withBorder radius="md" p="xl" maw={420} mx="auto" mt="xl" data-testid="login-form">
      <form onSubmit={submit}>
        <Stack gap="md">
          <div>
            <Title order={3} fw={600}>
              Log in to the backend
            </Title>
            <Text size="sm" c="dimmed" mt={4}>
              The admin views use the backend's own accounts. The session stays in the supervisor, not in this page.
            </Text>
          </div>
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            required
            data-autofocus
            data-testid="login-email"
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            data-testid="login-password"
          />
          <Checkbox
            label="Remember me on this computer"
            description="Keeps the credentials (encrypted) so an expired session renews itself."
            checked={remember}
            onChange={(event) => setRemember(event.currentTarget.checked)}
            data-testid="login-remember"
          />
          {login.isError ? (
            <LoginError error={login.error} />
          ) : (
            notice && (
              <Alert color="yellow" variant="light" p="xs" data-testid="login-error" data-kind="notice">
                {notice}
              </Alert>
            )
          )}
          <Button
            type="submit"
            loading={login.isPending}
            disabled={email.trim() === '' || password === ''}
            data-testid="login-submit"
          >
            Log in
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}

function LoginError({ error }: { error: unknown }) {
  if (errorCode(error) === BACKEND_ERROR_CODES.wrongCredentials) {
    return (
      <Alert color="red" variant="light" p="xs" data-testid="login-error" data-kind="credentials">
        {WRONG_CREDENTIALS_TEXT}
      </Alert>
    );
  }
  const text = describeAdminError(error);
  return (
    <Alert color="red" variant="light" p="xs" title={text.title} data-testid="login-error" data-kind="failure">
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {text.message}
      </Text>
      {text.suggestStatusPage && (
        <Anchor href="#/status" size="sm">
          Open the Status page
        </Anchor>
      )}
    </Alert>
  );
}
