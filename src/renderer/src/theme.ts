import { createTheme } from '@mantine/core';

/**
 * The dashboard theme: Mantine's system font stacks (the CSP allows no web fonts), a
 * calm primary colour, and tabular figures so ticking numbers do not jitter.
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  other: {},
  components: {
    Text: { styles: { root: { fontVariantNumeric: 'tabular-nums' } } },
  },
});
