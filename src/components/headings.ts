/**
 * MDX's h2–h4, rendered with a self-link, and its inline code with break points after `_`, `.` and
 * `->` (pass to `<Content components={headingComponents} />`).
 */
import H2 from './H2.astro';
import H3 from './H3.astro';
import H4 from './H4.astro';
import InlineCode from './InlineCode.astro';

export const headingComponents = { h2: H2, h3: H3, h4: H4, code: InlineCode };
