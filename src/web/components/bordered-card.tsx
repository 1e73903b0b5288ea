import { Paper, type ElementProps, type PaperProps } from '@mantine/core';

/** A card of a list or a page: bordered, rounded, padded "sm" on phones and "md" from "sm" up. */
export function BorderedCard(props: PaperProps & ElementProps<'div'>) {
  return <Paper withBorder radius="md" p={{ base: 'sm', sm: 'md' }} {...props} />;
}
