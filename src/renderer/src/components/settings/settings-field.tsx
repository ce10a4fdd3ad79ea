import { Button, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { needsSupervisorRestart } from '../../../../shared/reload';
import type { SettingSource, SettingsView } from '../../../../shared/settings';
import { translate, useT, type T } from '../../i18n';
import { describeValue, formatFormValue, type SettingsFieldSpec } from './settings-fields';

/** Props of {@link SettingsField}. */
export interface SettingsFieldProps {
  spec: SettingsFieldSpec;
  /** The field's text (`''` = not set). */
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  /** A problem the next start would have with the value (a missing path), shown under the field; it does not block Save. */
  warning?: string | undefined;
  view: SettingsView;
  /** Opens the OS file picker (desktop only); shows a Browse… button beside a text field when given. */
  onBrowse?: () => void;
}

/** Where the effective value comes from, in words (shown under the label). */
export function describeSource(
  spec: SettingsFieldSpec,
  source: SettingSource | undefined,
  effective: unknown,
  t: T = translate,
): string {
  const value = describeValue(spec.key, effective, t);
  const say = t;
  switch (source?.kind) {
    case 'flag':
      return say('settings.source.flag', { name: source.name ?? say('settings.source.flagAny'), value });
    case 'environment':
      return say('settings.source.env', { name: source.name ?? spec.env, value });
    case 'settings':
      return say('settings.source.saved', { value, env: spec.env });
    default:
      return say('settings.source.default', { value, env: spec.env });
  }
}

/**
 * One settings field: the input for its kind, the effective value and its source under the
 * label (`settings-source-<key>`), the error beside it (`settings-error-<key>`) and a warning
 * under it (`settings-warning-<key>`). Empty = not set: the placeholder shows what applies then.
 */
export function SettingsField({ warning, ...props }: SettingsFieldProps) {
  const t = useT();
  const input = <SettingsInput {...props} />;
  // The few settings an Apply cannot change in a running supervisor say so beside the field.
  const restartOnly = needsSupervisorRestart(props.spec.key);
  if (warning === undefined && !restartOnly) return input;
  return (
    <Stack gap={4}>
      {input}
      {restartOnly && (
        <Text size="xs" c="dimmed" data-testid={`settings-restart-only-${props.spec.key}`}>
          {t(RESTART_ONLY_KEY)}
        </Text>
      )}
      {warning !== undefined && (
        <Text size="xs" c="orange.8" data-testid={`settings-warning-${props.spec.key}`}>
          {t('settings.warning', { warning })}
        </Text>
      )}
    </Stack>
  );
}

/** Beside a field whose change waits for a restart of the supervisor (SUPERVISOR_RESTART_KEYS); a translation key. */
export const RESTART_ONLY_KEY = 'settings.restartOnly';

function SettingsInput({ spec, value, onChange, error, view, onBrowse }: Omit<SettingsFieldProps, 'warning'>) {
  const t = useT();
  const { key } = spec;
  const effective = view.effective[key];
  const common = {
    label: t(spec.label),
    description: describeSource(spec, view.sources[key], effective, t),
    error,
    descriptionProps: { 'data-testid': `settings-source-${key}` },
    errorProps: { 'data-testid': `settings-error-${key}` },
    'data-testid': `settings-field-${key}`,
  };
  if (spec.kind === 'boolean') {
    return (
      <NativeSelect
        {...common}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        data={[
          { value: '', label: t('settings.notSetValue', { value: describeValue(key, effective, t) }) },
          { value: 'true', label: t('settings.yes') },
          { value: 'false', label: t('settings.no') },
        ]}
      />
    );
  }
  if (spec.kind === 'args') {
    return (
      <Textarea
        {...common}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        placeholder={formatFormValue(key, effective)}
        rows={3}
        resize="vertical"
        spellCheck={false}
      />
    );
  }
  const numeric = spec.kind !== 'text';
  return (
    <TextInput
      {...common}
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      placeholder={formatFormValue(key, effective)}
      inputMode={numeric ? 'decimal' : undefined}
      spellCheck={false}
      autoComplete="off"
      rightSectionWidth={onBrowse ? 90 : undefined}
      rightSection={
        onBrowse ? (
          <Button size="compact-xs" variant="light" onClick={onBrowse} data-testid={`settings-browse-${key}`}>
            {t('settings.browse')}
          </Button>
        ) : undefined
      }
    />
  );
}
