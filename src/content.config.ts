/**
 * The literate pages live in the top-level content/ folder, one MDX file per page. Frontmatter is
 * validated here, so a page with a missing title or an unknown case id fails the build.
 */
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { caseIds, cases } from '@interleave/engine/cases';

const page = z.object({
  title: z.string().min(3),
  /** One or two sentences: the lede under the title and the meta description. */
  description: z.string().min(20).max(300),
  /** Position in its section. */
  order: z.number().int().min(1),
});

const primers = defineCollection({
  loader: glob({ pattern: '**/*.mdx', base: './content/primers' }),
  schema: page,
});

const engine = defineCollection({
  loader: glob({ pattern: '**/*.mdx', base: './content/engine' }),
  schema: page,
});

/** A case page tells the story of one engine case; its id must be a case the engine has. */
const cases_ = defineCollection({
  loader: glob({ pattern: '**/*.mdx', base: './content/cases' }),
  schema: z.object({
    case: z
      .enum(caseIds as [string, ...string[]])
      .refine((id) => id in cases, {
        message: `this case is not in @interleave/engine/cases yet (it has: ${Object.keys(cases).join(', ') || 'none'})`,
      }),
    description: z.string().min(20).max(300),
    /** The bug in two or three sentences, above the figure at the top of the page. */
    story: z.string().min(40).max(600),
    /** The variant (and parameters) the figure draws; default: the first variant that fails. */
    figure: z
      .object({
        variant: z.string(),
        params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
        /** A pattern over each step's "op target note": only the steps it names get a row of their own. */
        focus: z.string().optional(),
      })
      .optional(),
  }),
});

export const collections = { primers, engine, cases: cases_ };
