import { Alert, Badge, Button, Group, List, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ReloadAction, ReloadResult } from '../../../../shared/reload';
import { reloadLines } from '../../../../shared/reload-text';
import { isSettingsKey } from '../../../../shared/settings';
import { errorMessage } from '../../api';
import { useReload } from '../../hooks/use-reload';
import { useT, type T } from '../../i18n';
import { SETTINGS_FIELDS } from './settings-fields';

/** The Settings page's "Apply": a dry run first (the plan, shown for confirmation), then the reload. */
export interface ApplyFlow {
  /** Asks for the plan (a dry run); the dialog opens with it. */
  preview(): void;
  /** Carries the plan out (the reload itself). */
  confirm(): void;
  /** Closes the dialog: nothing is applied. */
  cancel(): void;
  /** The plan awaiting confirmation, or null. */
  plan: ReloadResult | null;
  /** The last reload carried out, or null. */
  outcome: ReloadResult | null;
  /** Why the last dry run or reload was refused (a file's problems, a line each), or null. */
  error: string | null;
  pending: boolean;
}

/** The state of the Settings page's Apply (one for the settings form and the stack file editor). */
export function useApplyFlow(): ApplyFlow {
  const reload = useReload();
  const [plan, setPlan] = useState<ReloadResult | null>(null);
  const [outcome, setOutcome] = useState<ReloadResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = (err: unknown): void => {
    setPlan(null);
    setError(errorMessage(err));
  };
  return {
    preview: () => {
      setOutcome(null);
      setError(null);
      reload.mutate({ dryRun: true }, { onSuccess: setPlan, onError: fail });
    },
    confirm: () =>
      reload.mutate(
        // Exactly the plan shown: files changed since are refused (RELOAD_PLAN_CHANGED), not applied.
        plan ? { expect: plan.fingerprint } : {},
        {
          onSuccess: (result) => {
            setPlan(null);
            setOutcome(result);
          },
          onError: fail,
        },
      ),
    cancel: () => setPlan(null),
    plan,
    outcome,
    error,
    pending: reload.isPending,
  };
}

/** How each action reads in the plan (a translation key), and its badge colour. */
const ACTIONS: Record<Exclude<ReloadAction, 'unchanged'>, { title: string; color: string }> = {
  restart: { title: 'apply.restart', color: 'orange' },
  update: { title: 'apply.update', color: 'blue' },
  start: { title: 'apply.start', color: 'green' },
  stop: { title: 'apply.stop', color: 'red' },
};

/**
 * A settings key as the form labels it (`controlPort` → "Port", `logDir` → "Log folder"),
 * else the key as it is (a stack file's own name, `working_dir`).
 */
function labelOf(t: T, key: string): string {
  const label = isSettingsKey(key) ? SETTINGS_FIELDS.get(key)?.label : undefined;
  return label ? t(label) : key;
}

/**
 * The plan of an Apply, for confirmation: which services restart (and why), which take the
 * new settings in place, which are added or removed, and what waits for a restart of
 * Backend Supervisor. Nothing changes until Apply.
 */
export function ApplyDialog({ flow }: { flow: ApplyFlow }) {
  const t = useT();
  const { plan } = flow;
  const changed = plan?.services.filter((s) => s.action !== 'unchanged') ?? [];
  const waiting = plan?.needs_supervisor_restart ?? [];
  return (
    <Modal opened={plan !== null} onClose={flow.cancel} title={t('apply.title')} size="lg">
      <Stack gap="sm" data-testid="reload-plan">
        {changed.length === 0 && (
          <Text size="sm" data-testid="reload-plan-nothing">
            {t('apply.nothing')}
          </Text>
        )}
        {(Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]).map((action) => {
          const services = changed.filter((s) => s.action === action);
          if (services.length === 0) return null;
          return (
            <Stack gap={4} key={action} data-testid={`reload-plan-${action}`}>
              <Text size="sm" fw={600}>
                {t(ACTIONS[action].title)}
              </Text>
              <List size="sm" spacing={2}>
                {services.map((s) => (
                  <List.Item key={s.service} data-testid="reload-plan-service" data-action={s.action}>
                    <Group gap="xs" wrap="nowrap">
                      <Badge color={ACTIONS[action].color} variant="light" tt="none">
                        {s.service}
                      </Badge>
                      {s.changes.length > 0 && (
                        <Text size="xs" c="dimmed">
                          {t('apply.changed', { list: s.changes.map((key) => labelOf(t, key)).join(', ') })}
                        </Text>
                      )}
                    </Group>
                  </List.Item>
                ))}
              </List>
            </Stack>
          );
        })}
        {waiting.length > 0 && (
          <Alert color="yellow" variant="light" data-testid="reload-plan-supervisor-restart">
            {t('apply.waiting', { list: waiting.map((key) => labelOf(t, key)).join(', ') })}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={flow.cancel} data-testid="reload-cancel">
            {t('apply.cancel')}
          </Button>
          <Button
            onClick={flow.confirm}
            loading={flow.pending}
            disabled={changed.length === 0}
            data-testid="reload-confirm"
          >
            {t('apply.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** What the last Apply did, or why it was refused (every problem of a file, a line each). */
export function ApplyOutcome({ flow }: { flow: ApplyFlow }) {
  const t = useT();
  if (flow.error !== null) {
    return (
      <Alert color="red" title={t('apply.notApplied')} data-testid="reload-error">
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {flow.error}
        </Text>
      </Alert>
    );
  }
  if (flow.outcome === null) return null;
  const failed = flow.outcome.result !== null && !flow.outcome.result.success;
  return (
    <Alert color={failed ? 'orange' : 'green'} variant="light" title={t('apply.applied')} data-testid="reload-outcome">
      <List size="sm" spacing={2}>
        {reloadLines(flow.outcome, t, (key) => labelOf(t, key)).map((line) => (
          <List.Item key={line}>{line}</List.Item>
        ))}
      </List>
    </Alert>
  );
}
