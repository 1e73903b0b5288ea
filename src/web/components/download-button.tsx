import type { ReactNode } from 'react';
import { Button } from '@mantine/core';
import { IconDownload } from './icons';

/**
 * A file download as a button (a link with `download`): the file's name, or `true` for the one
 * the server names; small ("xs") inside cards and rows, "sm" in page headers.
 */
export function DownloadButton({
  href,
  download,
  size = 'sm',
  onClick,
  children,
}: {
  href: string;
  download: string | true;
  size?: 'xs' | 'sm';
  onClick?: () => void;
  children: ReactNode;
}) {
  return (
    <Button
      component="a"
      href={href}
      download={download}
      onClick={onClick}
      variant="default"
      size={size}
      leftSection={<IconDownload size={size === 'xs' ? 14 : 16} />}
    >
      {children}
    </Button>
  );
}
