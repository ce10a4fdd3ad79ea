import { Alert, Button, Code, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { Trans } from 'react-i18next';
import { errorMessage, useConnection, useConnectionState } from '../api';
import { fetchTokenFile, shellWord } from '../api/token-file';
import { useT } from '../i18n';

/** Where the token file lives when the server cannot say (`TOKEN_FILE` of src/main/server/token.ts), in the data folder. */
export const TOKEN_FILE_NAME = 'control-token';

/** What the server said about its token: a file (`path`), the environment (`null`), or nothing yet / unreachable (`undefined`). */
type TokenFile = string | null | undefined;

/** Props of {@link TokenModal}. */
export interface TokenModalProps {
  /** Asks the server where its token is (tests pass a fake); see {@link fetchTokenFile}. */
  loadTokenFile?: () => Promise<string | null>;
}

/** Where to find the token, in words: the real file and the command that prints it, when the server told us. */
function TokenWhere({ file }: { file: TokenFile }) {
  const t = useT();
  const code = { code: <Code />, cmd: <Code data-testid="token-command" /> };
  if (typeof file === 'string') {
    return (
      <Text size="sm" c="dimmed" data-testid="token-file">
        <Trans i18nKey="token.inFile" values={{ file, word: shellWord(file) }} components={code} />
      </Text>
    );
  }
  if (file === null) {
    return (
      <Text size="sm" c="dimmed" data-testid="token-file">
        <Trans i18nKey="token.fromEnv" components={code} />
      </Text>
    );
  }
  return (
    <Text size="sm" c="dimmed" data-testid="token-file">
      <Trans
        i18nKey="token.somewhere"
        values={{ hint: `<${t('token.dataFolder')}>/${TOKEN_FILE_NAME}` }}
        components={code}
      />
    </Text>
  );
}

/**
 * Asks for the control token in the browser dashboard. Open only while the connection is
 * `token-needed` (no token stored, or the server answered 401); cannot be dismissed,
 * since nothing works without the token. Says where the token is, as the server tells
 * (`GET /api/v1/token-file`): the file and `cat <file>`, or `CONTROL_TOKEN`. The token is
 * checked before it is stored.
 */
export function TokenModal({ loadTokenFile = fetchTokenFile }: TokenModalProps = {}) {
  const t = useT();
  const state = useConnectionState();
  const connection = useConnection();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [file, setFile] = useState<TokenFile>(undefined);
  const opened = state === 'token-needed';

  useEffect(() => {
    if (!opened) return;
    let current = true;
    loadTokenFile().then(
      (path) => current && setFile(path),
      // An older server, or none: the generic hint stays.
      () => current && setFile(undefined),
    );
    return () => {
      current = false;
    };
  }, [opened, loadTokenFile]);

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
      opened={opened}
      onClose={() => {}}
      withCloseButton={false}
      closeOnClickOutside={false}
      closeOnEscape={false}
      centered
      title={<Text fw={600}>{t('token.title')}</Text>}
    >
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {t('token.needed')}
          </Text>
          <TokenWhere file={file} />
          <PasswordInput
            label={t('token.label')}
            placeholder={t('token.placeholder')}
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
            {t('token.connect')}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
