import { Group, NativeSelect, Tabs, Text, ThemeIcon } from '@mantine/core';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../../../shared/locales/languages';
import type { Page } from '../hooks/use-hash-page';
import { useServices } from '../hooks/use-services';
import { useTrayLanguage } from '../hooks/use-tray-language';
import { useLanguage, useT } from '../i18n';
import { ConnectionBadge } from './connection-badge';

/** Props of {@link AppHeader}. */
export interface AppHeaderProps {
  page: Page;
  onNavigate: (page: Page) => void;
}

/**
 * The top bar: the app's name, the page tabs (Services only for a stack of several), the
 * language switch and the connection state.
 */
export function AppHeader({ page, onNavigate }: AppHeaderProps) {
  const t = useT();
  // One service (no stack file): the Status page says it all, no Services tab.
  const services = useServices();
  const stacked = (services.data?.length ?? 0) > 1 || page === 'services';
  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="md">
      <Group gap="lg" wrap="nowrap">
        <Group gap="xs" wrap="nowrap">
          <ThemeIcon variant="light" size="md" radius="sm" aria-hidden>
            <PulseIcon />
          </ThemeIcon>
          <Text fw={700} size="md" style={{ whiteSpace: 'nowrap' }}>
            {t('header.title')}
          </Text>
        </Group>
        <Tabs value={page} onChange={(value) => value && onNavigate(value as Page)} variant="pills" radius="md">
          <Tabs.List>
            <Tabs.Tab value="status" data-testid="nav-status">
              {t('header.nav.status')}
            </Tabs.Tab>
            {stacked && (
              <Tabs.Tab value="services" data-testid="nav-services">
                {t('header.nav.services')}
              </Tabs.Tab>
            )}
            <Tabs.Tab value="logs" data-testid="nav-logs">
              {t('header.nav.logs')}
            </Tabs.Tab>
            <Tabs.Tab value="incidents" data-testid="nav-incidents">
              {t('header.nav.incidents')}
            </Tabs.Tab>
            <Tabs.Tab value="admin" data-testid="nav-admin">
              {t('header.nav.admin')}
            </Tabs.Tab>
            <Tabs.Tab value="settings" data-testid="nav-settings">
              {t('header.nav.settings')}
            </Tabs.Tab>
          </Tabs.List>
        </Tabs>
      </Group>
      <Group gap="sm" wrap="nowrap">
        <LanguageSwitch />
        <ConnectionBadge />
      </Group>
    </Group>
  );
}

/** The language menu: each language by its own name; the choice is remembered (localStorage), and the desktop's tray follows it. */
function LanguageSwitch() {
  const t = useT();
  const [language, setLanguage] = useLanguage();
  useTrayLanguage(language);
  return (
    <NativeSelect
      aria-label={t('header.language')}
      size="xs"
      w={110}
      data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
      value={language}
      onChange={(event) => {
        const value = event.currentTarget.value;
        if (isLanguage(value)) setLanguage(value);
      }}
      data-testid="language-switch"
    />
  );
}

/** A small heartbeat glyph (inline SVG: no icon package, no external asset). */
function PulseIcon() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2.2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M3 12h4l2.5-6 5 12 2.5-6h4" />
    </svg>
  );
}
