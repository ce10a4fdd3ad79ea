import { useEffect } from 'react';
import type { Language } from '../../../shared/locales/languages';
import { useConnection, useSupervisorApi } from '../api/api-context';
import { storedLanguage } from '../i18n';

/**
 * In the desktop window, tells the main process the language the user picked (`ui:setLanguage`),
 * so the tray menu and the notifications speak it too; at the window's start as well, so a
 * choice made before the main process kept one reaches it. Nothing while no language was
 * picked (the tray keeps the OS's) and nothing in a browser (no tray; the call would answer
 * NOT_AVAILABLE). A refusal changes nothing on the page: the tray keeps its language.
 */
export function useTrayLanguage(language: Language): void {
  const api = useSupervisorApi();
  const ipc = useConnection().transport === 'ipc';
  useEffect(() => {
    if (!ipc || storedLanguage() === null) return;
    api.invoke('ui:setLanguage', language).catch(() => undefined);
  }, [api, ipc, language]);
}
