import { Alert, Button, Card, Code, Group, List, Stack, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../api';
import { useSaveStackFile, useStackFile } from '../../hooks/use-stack-file';
import { useT } from '../../i18n';
import type { ApplyFlow } from './apply-settings';

/** Shown after a save that was not applied: the stack file is read at the start and by an Apply (a translation key). */
export const STACK_SAVED_KEY = 'stack.saved';

/** Placeholder: the README's smallest stack. */
const EXAMPLE = `services:
  db:
    command: [redis-server, --port, "6380"]
    health: { tcp: "127.0.0.1:6380" }
  backend:
    command: ./bin/server
    depends_on:
      db: { condition: service_healthy }
    health: { http: "http://127.0.0.1:8080/health" }`;

/**
 * The services of the stack, edited as the stack file's YAML (README "Stack file"): Save
 * checks it with the supervisor's own loader and shows each problem with its line; an empty
 * text removes the file (the environment's one service `backend` again). Save + Apply then
 * shows the plan of the page's Apply (`apply`) for confirmation.
 */
export function StackFileEditor({ apply }: { apply?: ApplyFlow }) {
  const t = useT();
  const query = useStackFile();
  const save = useSaveStackFile();
  const [text, setText] = useState('');
  const [savedOnce, setSavedOnce] = useState(false);
  const loaded = query.data?.text ?? '';
  useEffect(() => setText(loaded), [loaded]);
  if (query.data === undefined) {
    return query.isError ? (
      <Alert color="red" title={t('stack.loadError')} data-testid="stack-file-load-error">
        {errorMessage(query.error)}
      </Alert>
    ) : null;
  }
  const view = query.data;
  const problems = save.isError ? errorMessage(save.error).split('\n') : [];
  const dirty = text !== loaded;
  return (
    <Card withBorder data-testid="stack-file-editor">
      <Stack gap="sm">
        <Title order={4}>{t('stack.title')}</Title>
        <Text size="sm" c="dimmed">
          <Code>{view.path}</Code>{' '}
          {view.text === null
            ? t('stack.none')
            : t(view.active ? 'stack.services' : 'stack.servicesIdle', {
                list: view.services.length > 0 ? view.services.join(', ') : t('stack.noValid'),
              })}
        </Text>
        <Textarea
          aria-label={t('stack.label')}
          data-testid="stack-file-text"
          rows={14}
          resize="vertical"
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          placeholder={EXAMPLE}
          value={text}
          onChange={(event) => {
            setText(event.currentTarget.value);
            setSavedOnce(false);
            save.reset();
          }}
        />
        {problems.length > 0 && (
          <Alert color="red" title={t('stack.problems')} data-testid="stack-file-problems">
            <List size="sm">
              {problems.map((line, i) => (
                <List.Item key={i}>{line}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        {savedOnce && !save.isError && (
          <Alert color="green" data-testid="stack-file-saved">
            {t(STACK_SAVED_KEY)}
          </Alert>
        )}
        <Group>
          <Button
            data-testid="stack-file-save"
            variant={apply ? 'light' : 'filled'}
            disabled={!dirty || save.isPending}
            loading={save.isPending}
            onClick={() => save.mutate(text, { onSuccess: () => setSavedOnce(true) })}
          >
            {t('stack.save')}
          </Button>
          {apply && (
            <Button
              data-testid="stack-file-save-apply"
              disabled={save.isPending || apply.pending}
              loading={save.isPending || apply.pending}
              onClick={() => {
                const then = (): void => apply.preview();
                if (dirty) save.mutate(text, { onSuccess: then });
                else then();
              }}
            >
              {t(dirty ? 'settings.saveApply' : 'settings.apply')}
            </Button>
          )}
          <Button variant="default" disabled={!dirty} onClick={() => setText(loaded)}>
            {t('settings.discard')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
