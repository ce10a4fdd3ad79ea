import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import { errorMessage } from '../api';
import { ApplyDialog, useApplyFlow } from '../components/settings/apply-settings';
import { SettingsForm } from '../components/settings/settings-form';
import { StackFileEditor } from '../components/settings/stack-file-editor';
import { useSettings } from '../hooks/use-settings';
import { useT } from '../i18n';

/**
 * The settings page: the stored settings as a form, the effective value and its source for
 * each (flags and environment override the file), Save, Save + Apply (the plan confirmed in
 * a dialog, then applied without a restart), "Test health URL" and "Import .env"; below it
 * the services of the stack file.
 */
export function SettingsPage() {
  const t = useT();
  const query = useSettings();
  const apply = useApplyFlow();
  if (query.data === undefined) {
    return (
      <Stack maw={1000} mx="auto" data-testid="settings-page">
        {query.isError ? (
          <Alert color="red" title={t('settings.loadError')} data-testid="settings-load-error">
            <Stack gap="sm" align="flex-start">
              <Text size="sm">{errorMessage(query.error)}</Text>
              <Button size="xs" variant="light" color="red" onClick={() => void query.refetch()}>
                {t('common.retry')}
              </Button>
            </Stack>
          </Alert>
        ) : (
          <Center h={240}>
            <Loader />
          </Center>
        )}
      </Stack>
    );
  }
  return (
    <Stack maw={1000} mx="auto" gap="lg">
      <SettingsForm view={query.data} apply={apply} />
      <StackFileEditor apply={apply} />
      <ApplyDialog flow={apply} />
    </Stack>
  );
}
