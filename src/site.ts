/** The site's name and its top-level sections, for the header, titles and the home page. */
export const SITE = {
  name: 'Interleave',
  tagline: 'Five Linux memory-management concurrency bugs, explained with a simulator you can run.',
} as const;

export interface NavLink {
  href: string;
  label: string;
}

export const NAV: readonly NavLink[] = [
  { href: '/cases/', label: 'Cases' },
  { href: '/primers/', label: 'Primers' },
  { href: '/engine/', label: 'Engine' },
  { href: '/playground/', label: 'Playground' },
  { href: '/search/', label: 'Search' },
];

/** The content sections: their collection, their URL prefix and their index page's words. */
export const SECTIONS = {
  primers: {
    href: '/primers/',
    title: 'Primers',
    description: 'The kernel ideas the five cases rest on: rwsem fairness, the two mm counts, the mmu notifier contract, lock ordering and lockdep, and how the simulator works.',
  },
  engine: {
    href: '/engine/',
    title: 'The engine',
    description: 'Use @interleave/engine yourself: write a scenario, explore it, replay its shortest failure. Every example on these pages is run by the test suite.',
  },
} as const;

export type SectionId = keyof typeof SECTIONS;
