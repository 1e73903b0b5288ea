import { createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
  fontFamily:
    'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '700' },
  components: {
    Table: { defaultProps: { verticalSpacing: 6, highlightOnHover: true } },
    Paper: { defaultProps: { radius: 'md' } },
  },
});
