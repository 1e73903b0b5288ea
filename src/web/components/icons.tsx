/** A few outline icons (24×24, stroke = currentColor), so the app needs no icon package. */
import type { ReactNode, SVGProps } from 'react';

export type IconProps = SVGProps<SVGSVGElement> & { size?: number };

/** An outline icon from its SVG paths (the one factory every icon set of the app uses). */
export function makeIcon(paths: string[], extra?: (props: IconProps) => ReactNode) {
  return function Icon({ size = 18, ...props }: IconProps) {
    return (
      <svg
        xmlns="http://www.w3.org/2000/svg"
        width={size}
        height={size}
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={1.8}
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden="true"
        focusable="false"
        {...props}
      >
        {paths.map((d) => (
          <path key={d} d={d} />
        ))}
        {extra?.(props)}
      </svg>
    );
  };
}

export const IconHome = makeIcon([
  'M5 12H3l9-9 9 9h-2',
  'M5 12v7a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-7',
  'M9 21v-6a2 2 0 0 1 2-2h2a2 2 0 0 1 2 2v6',
]);
export const IconStore = makeIcon(['M3 21h18', 'M5 21V8l7-5 7 5v13', 'M9 21v-6h6v6', 'M10 9h4']);
export const IconCar = makeIcon([
  'M5 17h-2v-6l2-5h9l4 5h1a2 2 0 0 1 2 2v4h-2',
  'M9 17h6',
  'M3 11h15',
  'M12 11V6',
  'M5 17a2 2 0 1 0 4 0a2 2 0 1 0-4 0',
  'M15 17a2 2 0 1 0 4 0a2 2 0 1 0-4 0',
]);
export const IconTags = makeIcon([
  'M7.9 3h-3.9a1 1 0 0 0-1 1v3.9a2 2 0 0 0 .6 1.4l8 8a2 2 0 0 0 2.8 0l3.6-3.6a2 2 0 0 0 0-2.8l-8-8a2 2 0 0 0-1.4-.6z',
  'M7 7h.01',
]);
export const IconList = makeIcon([
  'M9 6h11',
  'M9 12h11',
  'M9 18h11',
  'M5 6v.01',
  'M5 12v.01',
  'M5 18v.01',
]);
export const IconUsers = makeIcon([
  'M5 7a4 4 0 1 0 8 0a4 4 0 1 0-8 0',
  'M3 21v-2a4 4 0 0 1 4-4h4a4 4 0 0 1 4 4v2',
  'M16 3.13a4 4 0 0 1 0 7.75',
  'M21 21v-2a4 4 0 0 0-3-3.85',
]);
export const IconKey = makeIcon([
  'M8 16a4 4 0 1 1 3.5-6L20 10v3h-2v2h-2v-2h-4.5A4 4 0 0 1 8 16z',
  'M7 12h.01',
]);
export const IconSettings = makeIcon(
  [
    'M12 2v3',
    'M12 19v3',
    'M2 12h3',
    'M19 12h3',
    'M4.9 4.9l2.1 2.1',
    'M17 17l2.1 2.1',
    'M4.9 19.1l2.1-2.1',
    'M17 7l2.1-2.1',
  ],
  () => <circle cx="12" cy="12" r="4" />,
);
export const IconLogout = makeIcon([
  'M14 8V6a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h7a2 2 0 0 0 2-2v-2',
  'M9 12h12l-3-3',
  'M18 15l3-3',
]);
export const IconChevronDown = makeIcon(['M6 9l6 6 6-6']);
export const IconChevronRight = makeIcon(['M9 6l6 6-6 6']);
export const IconSearch = makeIcon(['M3 10a7 7 0 1 0 14 0a7 7 0 1 0-14 0', 'M21 21l-6-6']);
export const IconDownload = makeIcon([
  'M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2',
  'M7 11l5 5 5-5',
  'M12 4v12',
]);
export const IconUpload = makeIcon([
  'M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2',
  'M7 9l5-5 5 5',
  'M12 4v12',
]);
export const IconAlert = makeIcon([
  'M12 9v4',
  'M10.4 3.9L2.3 17.6a1.9 1.9 0 0 0 1.6 2.9h16.2a1.9 1.9 0 0 0 1.6-2.9L13.6 3.9a1.9 1.9 0 0 0-3.2 0z',
  'M12 16h.01',
]);
export const IconInbox = makeIcon(['M4 4h16v16H4z', 'M4 13h3l3 3h4l3-3h3']);
export const IconPlus = makeIcon(['M12 5v14', 'M5 12h14']);
export const IconCheck = makeIcon(['M5 12l5 5L20 7']);
export const IconCopy = makeIcon([
  'M8 10a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-8a2 2 0 0 1-2-2z',
  'M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2',
]);
export const IconArrowLeft = makeIcon(['M5 12h14', 'M5 12l6 6', 'M5 12l6-6']);
