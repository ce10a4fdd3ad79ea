import { Alert, Anchor, Button, Checkbox, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorCode } from '../../api';
import {
  BACKEND_ERROR_CODES,
  describeAdminError,
  EMAIL_EXISTS_KEY,
  isConflict,
  WRONG_CREDENTIALS_KEY,
} from '../../admin/admin-errors';
import { useLogin, useRegister } from '../../hooks/use-admin';
import { useT } from '../../i18n';

/** The backend's shortest password for a new account (backend-contract.md: 8..72 bytes). */
export const REGISTER_MIN_PASSWORD = 8;

/** Props of {@link LoginForm}. */
export interface LoginFormProps {
  /** Why the form is back (e.g. "Session expired, log in again"); replaced by a failed attempt's error. */
  notice?: string | null;
  /** Called after a successful login. */
  onLoggedIn?: () => void;
}

/**
 * Logs in to the supervised backend, or ("Create an account") registers a new account and
 * logs in as it. The main process keeps the token (and, with
 * "Remember me", the credentials for re-login); the page only learns the user.
 */
export function LoginForm({ notice = null, onLoggedIn }: LoginFormProps) {
  const t = useT();
  const login = useLogin();
  const register = useRegister();
  const [registering, setRegistering] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [remember, setRemember] = useState(false);
  const attempt = registering ? register : login;

  const onSuccess = (): void => {
    setPassword('');
    onLoggedIn?.();
  };
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (registering) register.mutate({ email: email.trim(), password, name: name.trim() }, { onSuccess });
    else login.mutate({ email: email.trim(), password, remember }, { onSuccess });
  };
  const toggle = (): void => {
    setRegistering((on) => !on);
    login.reset();
    register.reset();
  };
  const incomplete =
    email.trim() === '' ||
    password === '' ||
    (registering && (name.trim() === '' || password.length < REGISTER_MIN_PASSWORD));

  return (
    <Paper withBorder radius="md" p="xl" maw={420} mx="auto" mt="xl" data-testid="login-form">
      <form onSubmit={submit}>
        <Stack gap="md">
          <div>
            <Title order={3} fw={600}>
              {t(registering ? 'login.titleRegister' : 'login.title')}
            </Title>
            <Text size="sm" c="dimmed" mt={4}>
              {t(registering ? 'login.leadRegister' : 'login.lead')}
            </Text>
          </div>
          {registering && (
            <TextInput
              label={t('login.name')}
              autoComplete="name"
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              maxLength={200}
              required
              data-testid="register-name"
            />
          )}
          <TextInput
            label={t('login.email')}
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            required
            data-autofocus
            data-testid="login-email"
          />
          <PasswordInput
            label={t('login.password')}
            description={registering ? t('login.minPassword', { count: REGISTER_MIN_PASSWORD }) : undefined}
            autoComplete={registering ? 'new-password' : 'current-password'}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            required
            data-testid="login-password"
          />
          {!registering && (
            <Checkbox
              label={t('login.remember')}
              description={t('login.rememberHint')}
              checked={remember}
              onChange={(event) => setRemember(event.currentTarget.checked)}
              data-testid="login-remember"
            />
          )}
          {attempt.isError ? (
            <LoginError error={attempt.error} />
          ) : (
            notice && (
              <Alert color="yellow" variant="light" p="xs" data-testid="login-error" data-kind="notice">
                {notice}
              </Alert>
            )
          )}
          {registering ? (
            <Button type="submit" loading={register.isPending} disabled={incomplete} data-testid="register-submit">
              {t('login.create')}
            </Button>
          ) : (
            <Button type="submit" loading={login.isPending} disabled={incomplete} data-testid="login-submit">
              {t('login.submit')}
            </Button>
          )}
          <Anchor component="button" type="button" size="sm" onClick={toggle} data-testid="login-register-toggle">
            {t(registering ? 'login.haveAccount' : 'login.register')}
          </Anchor>
        </Stack>
      </form>
    </Paper>
  );
}

function LoginError({ error }: { error: unknown }) {
  const t = useT();
  if (isConflict(error)) {
    return (
      <Alert color="red" variant="light" p="xs" data-testid="login-error" data-kind="exists">
        {t(EMAIL_EXISTS_KEY)}
      </Alert>
    );
  }
  if (errorCode(error) === BACKEND_ERROR_CODES.wrongCredentials) {
    return (
      <Alert color="red" variant="light" p="xs" data-testid="login-error" data-kind="credentials">
        {t(WRONG_CREDENTIALS_KEY)}
      </Alert>
    );
  }
  const text = describeAdminError(error, {}, t);
  return (
    <Alert color="red" variant="light" p="xs" title={text.title} data-testid="login-error" data-kind="failure">
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {text.message}
      </Text>
      {text.suggestStatusPage && (
        <Anchor href="#/status" size="sm">
          {t('admin.openStatus')}
        </Anchor>
      )}
    </Alert>
  );
}
