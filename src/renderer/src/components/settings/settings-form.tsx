import {
  Alert,
  Badge,
  Button,
  Code,
  FileButton,
  Group,
  List,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useRef, useState, type ComponentProps, type FormEvent } from 'react';
import { Trans } from 'react-i18next';
import {
  ENV_IMPORT_MAX_CHARS,
  HealthUrlTestSchema,
  isSettingsKey,
  type EnvImportResult,
  type HealthUrlTestResult,
  type SettingsKey,
  type SettingsView,
} from '../../../../shared/settings';
import { errorDetails, errorMessage, useConnection, useSupervisorApi } from '../../api';
import { formatBytes, formatLatency } from '../../format';
import { useImportEnv, useSaveSettings, useTestHealthUrl } from '../../hooks/use-settings';
import { useT } from '../../i18n';
import { ApplyOutcome, type ApplyFlow } from './apply-settings';
import { SettingsField } from './settings-field';
import {
  fieldMessage,
  formatFormValue,
  formToSettings,
  SETTINGS_SECTIONS,
  settingsToForm,
  type SettingsErrors,
  type SettingsForm as FormState,
} from './settings-fields';

/** Shown after a Save (not applied) that changes what the supervisor runs with (a translation key). */
export const SAVED_RESTART_KEY = 'settings.savedRestart';
/** Shown after a save that changes nothing the supervisor runs with (a translation key). */
export const SAVED_KEY = 'settings.saved';

/** The hidden file input of "Import .env" (a testid for tests that set files directly). */
const IMPORT_INPUT_PROPS = { 'data-testid': 'settings-import-env-input' } as ComponentProps<'input'>;

/** Props of {@link SettingsForm}. */
export interface SettingsFormProps {
  /** The last `settings:get` / `settings:save` answer. */
  view: SettingsView;
  /** The page's Apply (a reload of the saved settings and the stack file, after a confirmation). */
  apply: ApplyFlow;
}

/**
 * The settings form: every value, with the effective value and its source under each
 * label, errors beside the fields (the same zod schema as the main process, checked before
 * sending), warnings beside a command or working directory the next start would fail on
 * (checked by the main process on import and save; hidden once the field is edited), Save, "Test health URL" and "Import .env" (read in the browser, values put in
 * the form for review; nothing is saved until Save).
 */
export function SettingsForm({ view, apply }: SettingsFormProps) {
  const t = useT();
  const save = useSaveSettings();
  const testHealth = useTestHealthUrl();
  const importEnv = useImportEnv();
  // The desktop window can ask the OS for a path; a browser cannot pick one on the server.
  const api = useSupervisorApi();
  const canPickFiles = useConnection().transport === 'ipc';
  const browseCommand = async (): Promise<void> => {
    const path = await api.invoke('dialog:pickFile', { title: t('settings.pickTitle') }).catch(() => null);
    if (path) change('command', path);
  };
  const [form, setForm] = useState<FormState>(() => settingsToForm(view.values));
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [imported, setImported] = useState<(EnvImportResult & { file: string }) | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  // Fields edited since their paths were last checked (by the import or the saved view): their warning is stale.
  const [edited, setEdited] = useState<ReadonlySet<SettingsKey>>(new Set());
  const resetFile = useRef<() => void>(null);
  const checked = imported?.warnings ?? view.warnings ?? {};
  const warningOf = (key: SettingsKey): string | undefined => (edited.has(key) ? undefined : checked[key]);

  const change = (key: SettingsKey, value: string): void => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => (previous[key] === undefined ? previous : { ...previous, [key]: undefined }));
    setEdited((previous) => (previous.has(key) ? previous : new Set(previous).add(key)));
    setSaved(false);
  };

  // Set by "Save + Apply" just before it submits the form: the save is followed by the Apply dialog.
  const applyAfterSave = useRef(false);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const thenApply = applyAfterSave.current;
    applyAfterSave.current = false;
    setSaved(false);
    setSaveError(null);
    const { values, errors: found } = formToSettings(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    save.mutate(values, {
      // The import has been reviewed and saved: its summary is done; the saved view's warnings apply.
      onSuccess: () => {
        setSaved(true);
        setImported(null);
        setEdited(new Set());
        if (thenApply) apply.preview();
      },
      onError: (error) => {
        const { field, message } = errorDetails(error);
        if (field !== undefined && isSettingsKey(field)) {
          setErrors({ [field]: fieldMessage(message, field) });
        } else {
          setSaveError(errorMessage(error));
        }
      },
    });
  };

  const discard = (): void => {
    setForm(settingsToForm(view.values));
    setErrors({});
    setSaved(false);
    setSaveError(null);
    setImported(null);
    setEdited(new Set());
  };

  const runHealthTest = (): void => {
    const seconds = form.healthCheckTimeoutMs.trim();
    const candidate = {
      url: form.backendUrl.trim() || view.effective.backendUrl,
      path: form.healthCheckPath.trim() || view.effective.healthCheckPath,
      timeoutMs: seconds === '' ? view.effective.healthCheckTimeoutMs : Math.round(Number(seconds) * 1000),
    };
    const parsed = HealthUrlTestSchema.safeParse(candidate);
    if (!parsed.success) {
      const next: SettingsErrors = {};
      const keyOf = { url: 'backendUrl', path: 'healthCheckPath', timeoutMs: 'healthCheckTimeoutMs' } as const;
      for (const issue of parsed.error.issues) {
        const key = keyOf[issue.path[0] as keyof typeof keyOf];
        if (key) next[key] ??= formToSettings(form, t).errors[key] ?? capitalize(issue.message);
      }
      setErrors((previous) => ({ ...previous, ...next }));
      testHealth.reset();
      return;
    }
    testHealth.mutate(parsed.data);
  };

  const readEnvFile = (file: File | null): void => {
    resetFile.current?.();
    if (!file) return;
    setImportError(null);
    setImported(null);
    if (file.size > ENV_IMPORT_MAX_CHARS) {
      setImportError(t('settings.tooLarge', { file: file.name, size: formatBytes(file.size) }));
      return;
    }
    void file.text().then(
      (text) =>
        importEnv.mutate(text, {
          onSuccess: (result) => {
            setImported({ ...result, file: file.name });
            const keys = Object.keys(result.values).filter(isSettingsKey);
            setForm((previous) => {
              const next = { ...previous };
              for (const key of keys) next[key] = formatFormValue(key, result.values[key]);
              return next;
            });
            setErrors({});
            setEdited(new Set());
            setSaved(false);
          },
          onError: (error) => setImportError(errorMessage(error)),
        }),
      (error: unknown) => setImportError(t('settings.readError', { file: file.name, message: errorMessage(error) })),
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md" maw={1000} mx="auto" data-testid="settings-page">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Stack gap={2}>
            <Title order={3} fw={600}>
              {t('settings.title')}
            </Title>
            <Text size="sm" c="dimmed">
              <Trans
                i18nKey="settings.lead"
                values={{ path: view.path }}
                components={{ code: <Code data-testid="settings-path" /> }}
              />
            </Text>
          </Stack>
          <Group gap="sm">
            <FileButton onChange={readEnvFile} resetRef={resetFile} inputProps={IMPORT_INPUT_PROPS}>
              {(props) => (
                <Button {...props} variant="default" loading={importEnv.isPending} data-testid="settings-import-env">
                  {t('settings.importEnv')}
                </Button>
              )}
            </FileButton>
            <Button variant="default" onClick={discard} disabled={save.isPending} data-testid="settings-reset">
              {t('settings.discard')}
            </Button>
            <Button type="submit" variant="light" loading={save.isPending} data-testid="settings-save">
              {t('settings.save')}
            </Button>
            <Button
              type="submit"
              loading={save.isPending || apply.pending}
              onClick={() => {
                applyAfterSave.current = true;
              }}
              data-testid="settings-save-apply"
            >
              {t('settings.saveApply')}
            </Button>
          </Group>
        </Group>

        {view.fileError !== null && (
          <Alert color="red" title={t('settings.fileError')} data-testid="settings-file-error">
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {view.fileError}
            </Text>
          </Alert>
        )}
        {saved ? (
          <Group gap="sm" wrap="nowrap" align="center">
            <Alert color="green" variant="light" data-testid="settings-saved" style={{ flex: 1 }}>
              {t(view.restartNeeded ? SAVED_RESTART_KEY : SAVED_KEY)}
            </Alert>
            {view.restartNeeded && (
              <Button variant="light" onClick={apply.preview} loading={apply.pending} data-testid="settings-apply">
                {t('settings.apply')}
              </Button>
            )}
          </Group>
        ) : (
          view.restartNeeded && (
            <Alert color="yellow" variant="light" data-testid="settings-restart-needed">
              <Group justify="space-between" gap="sm">
                <Text size="sm">{t('settings.differ')}</Text>
                <Button
                  size="xs"
                  variant="light"
                  onClick={apply.preview}
                  loading={apply.pending}
                  data-testid="settings-apply"
                >
                  {t('settings.apply')}
                </Button>
              </Group>
            </Alert>
          )
        )}
        <ApplyOutcome flow={apply} />
        {saveError !== null && (
          <Alert color="red" title={t('settings.notSaved')} data-testid="settings-save-error">
            {saveError}
          </Alert>
        )}
        {importError !== null && (
          <Alert color="red" title={t('settings.importError')} data-testid="settings-import-error">
            {importError}
          </Alert>
        )}
        {imported && <ImportSummary result={imported} />}

        {SETTINGS_SECTIONS.map((section) => (
          <Paper key={section.title} withBorder radius="md" p="md">
            <Stack gap="sm">
              <Stack gap={2}>
                <Title order={5}>{t(section.title)}</Title>
                {section.note && (
                  <Text size="xs" c="dimmed">
                    {t(section.note)}
                  </Text>
                )}
              </Stack>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
                {section.fields.map((spec) => (
                  <SettingsField
                    key={spec.key}
                    spec={spec}
                    value={form[spec.key]}
                    onChange={(value) => change(spec.key, value)}
                    error={errors[spec.key]}
                    warning={warningOf(spec.key)}
                    view={view}
                    onBrowse={spec.key === 'command' && canPickFiles ? () => void browseCommand() : undefined}
                  />
                ))}
              </SimpleGrid>
              {section.title === 'settings.section.health' && (
                <Group gap="sm" align="center" wrap="wrap">
                  <Button
                    variant="light"
                    size="xs"
                    onClick={runHealthTest}
                    loading={testHealth.isPending}
                    data-testid="settings-test-health"
                  >
                    {t('settings.testHealth')}
                  </Button>
                  {testHealth.isSuccess && <HealthTestResult result={testHealth.data} />}
                  {testHealth.isError && (
                    <Text size="sm" c="red" data-testid="settings-test-health-result" data-ok="false">
                      {errorMessage(testHealth.error)}
                    </Text>
                  )}
                </Group>
              )}
            </Stack>
          </Paper>
        ))}
      </Stack>
    </form>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One probe's outcome, next to the "Test health URL" button. */
function HealthTestResult({ result }: { result: HealthUrlTestResult }) {
  const t = useT();
  return (
    <Group gap="xs" data-testid="settings-test-health-result" data-ok={String(result.ok)}>
      <Badge color={result.ok ? 'green' : 'red'} variant="light" tt="none">
        {t(result.ok ? 'settings.test.ok' : 'settings.test.failed')}
      </Badge>
      <Text size="sm">
        {result.ok
          ? t('settings.test.answer', {
              code: result.status_code ?? '',
              latency: result.latency_ms === null ? '?' : formatLatency(result.latency_ms),
            })
          : (result.error ?? t('settings.test.noAnswer'))}{' '}
        <Text span c="dimmed" size="sm">
          ({result.url})
        </Text>
      </Text>
    </Group>
  );
}

/** What a `.env` import put in the form, what was wrong with it, and what was ignored. */
function ImportSummary({ result }: { result: EnvImportResult & { file: string } }) {
  const t = useT();
  const count = Object.keys(result.values).length;
  return (
    <Alert
      color={result.problems.length > 0 ? 'yellow' : 'blue'}
      variant="light"
      title={t('settings.imported', { count, file: result.file })}
      data-testid="settings-import-result"
    >
      <Stack gap="xs">
        {result.problems.length > 0 && (
          <List size="sm" spacing={2}>
            {result.problems.map((problem) => (
              <List.Item key={problem} data-testid="settings-import-problem">
                {problem}
              </List.Item>
            ))}
          </List>
        )}
        {result.ignored.length > 0 && (
          <Text size="xs" c="dimmed" data-testid="settings-import-ignored">
            {t('settings.ignored', { list: result.ignored.join('; ') })}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
