import type { Listing } from '../core/listing.ts';
import type { Verdict } from '../core/simulation.ts';
import type { Scenario } from '../scenario.ts';

export type CaseId = 'cxl' | 'hmm' | 'userfaultfd' | 'intel-svm' | 'vfio-pci';

/** A parameter that scales a case (threads, pages, processes, ...). */
export interface CaseParam {
  name: string;
  description: string;
  /** Numbers are integers within [min, max]; strings one of `values`. */
  default: number | string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

export interface CaseVariant {
  id: string;
  /** Short label for a toggle: "buggy", "fixed", "v5.8". */
  label: string;
  /** One sentence: which code this is. */
  description: string;
  /** The verdict the engine must give for this variant at default parameters. */
  expected: Verdict;
}

/** One part of a case's fix, and the variant that leaves it out: why the part is there. */
export interface FixPart {
  id: string;
  /** What the part does, in kernel words: "every error path lowers hmm->notifiers again". */
  label: string;
  /** The variant that is the fix without this part. */
  variant: string;
  /** The parameters (besides the variant) under which leaving the part out shows its failure; the defaults if absent. */
  params?: Readonly<Record<string, string | number>>;
}

/** The upstream change a case explains: cited, never copied. */
export interface Upstream {
  subject: string;
  author: string;
  /** As precise as the source allows, e.g. '2018-04-…' or '2019-07-01'. */
  date: string;
  /** Commit hash where known. */
  commit?: string;
  /** Facts about the citation that could not be verified (shown on the page as such). */
  unverified?: string[];
}

export interface Case {
  id: CaseId;
  /** e.g. "cxl: a recursive read of mmap_sem in cxllib_handle_fault". */
  title: string;
  /** Kernel subsystem or file, e.g. "drivers/misc/cxl". */
  subsystem: string;
  /** The bug in one line. */
  summary: string;
  variants: readonly CaseVariant[];
  params: readonly CaseParam[];
  /** The parts of the fix, each with the variant that leaves it out (an ablation). */
  fixParts?: readonly FixPart[];
  /** The simplified C listing of each variant (our own words); steps carry its lines. */
  listings: Readonly<Record<string, Listing>>;
  upstream: Upstream;
  /** Builds the scenario for `params.variant` (default 'buggy') and the other parameters. */
  build(params?: Record<string, string | number>): Scenario;
}
