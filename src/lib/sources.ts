/**
 * The upstream sources of each case, as a reader can follow them: the commit (id, subject, author,
 * date) on git.kernel.org, and the mailing-list messages the page explains, on lore.kernel.org.
 * Each id and message-id here was checked against the kernel's history or the list archives; a
 * link is only a link (the page loads nothing from another host).
 */
export interface Commit {
  /** Abbreviated commit id (12 hex digits), or null when only the subject is known. */
  id: string | null;
  subject: string;
  author: string;
  /** Author date as in the commit or the patch mail, ISO. */
  date: string;
  /** Where the change first shipped, when checked. */
  release?: string;
  /** What this commit is to the case (e.g. "the fix", "a later fix"). */
  role: string;
}

export interface Message {
  messageId: string;
  subject: string;
  author: string;
  date: string;
  role: string;
}

export interface CaseSources {
  /** What the buggy variant is, when it is not code that was merged (said wherever the case is named). */
  hazard?: string;
  commits: Commit[];
  messages: Message[];
}

const TORVALDS = 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git';

/** The commit's page on git.kernel.org, or a search of the history by subject when the id is unknown. */
export function commitUrl(c: Commit): string {
  return c.id ? `${TORVALDS}/commit/?id=${c.id}` : `${TORVALDS}/log/?qt=grep&q=${encodeURIComponent(c.subject)}`;
}

export const messageUrl = (m: Message): string => `https://lore.kernel.org/r/${encodeURIComponent(m.messageId)}`;

export const caseSources: Record<string, CaseSources> = {
  cxl: {
    commits: [
      {
        id: null,
        subject: 'cxl: Fix possible deadlock when processing page faults from cxllib',
        author: 'Frederic Barrat',
        date: '2018',
        role: 'the fix (marked for stable kernels from 4.13)',
      },
    ],
    messages: [],
  },
  hmm: {
    commits: [
      {
        id: '5a136b4ae327',
        subject: 'mm/hmm: Fix error flows in hmm_invalidate_range_start',
        author: 'Jason Gunthorpe',
        date: '2019',
        role: 'the fix, merged through the hmm tree',
      },
    ],
    messages: [],
  },
  userfaultfd: {
    hazard: 'A hazard the patch guarded against, not a merged bug.',
    commits: [
      {
        id: '5521de7dddd2',
        subject: 'mm/userfaultfd: replace kmap/kmap_atomic() with kmap_local_page()',
        author: 'Ira Weiny',
        date: '2022-10-25',
        role: 'the conversion, with pagefault_disable() around the copy',
      },
    ],
    messages: [
      {
        messageId: '20221025220136.2366143-1-ira.weiny@intel.com',
        subject: '[PATCH V2] mm/userfaultfd: Replace kmap/kmap_atomic() with kmap_local_page()',
        author: 'Ira Weiny',
        date: '2022-10-25',
        role: 'the patch mail, whose message quotes Matthew Wilcox’s four-thread scenario',
      },
    ],
  },
  'intel-svm': {
    commits: [
      {
        id: 'e57e58bd390a',
        subject: 'iommu/vt-d: Fix mm refcounting to hold mm_count not mm_users',
        author: 'David Woodhouse',
        date: '2016-01-12',
        role: 'the fix',
      },
    ],
    messages: [
      {
        messageId: '1452720905.88154.75.camel@infradead.org',
        subject: '[PATCH] iommu/vt-d: Fix mm refcounting to hold mm_count not mm_users',
        author: 'David Woodhouse',
        date: '2016-01-13',
        role: 'the patch mail, to iommu and linux-mm',
      },
    ],
  },
  'vfio-pci': {
    commits: [
      {
        id: 'abafbc551fdd',
        subject: 'vfio-pci: Invalidate mmaps and block MMIO access on disabled memory',
        author: 'Alex Williamson',
        date: '2020-04-22',
        role: 'the change as merged (CVE-2020-12888); the page’s v5.8 variant',
      },
      {
        id: 'bc93b9ae0151',
        subject: 'vfio-pci: Avoid recursive read-lock usage',
        author: 'Alex Williamson',
        date: '2020-08-17',
        role: 'a later fix of the merged change, part of the page’s fixed variant',
      },
      {
        id: '6a45ece4c9af',
        subject: 'vfio/pci: Handle concurrent vma faults',
        author: 'Alex Williamson',
        date: '2021',
        role: 'a later fix of the fault handler, part of the page’s fixed variant',
      },
    ],
    messages: [
      {
        messageId: '20200505111227.02ac9cee@w520.home',
        subject: 'Re: [PATCH 3/3] vfio-pci: Invalidate mmaps and block MMIO access on disabled memory',
        author: 'Alex Williamson',
        date: '2020-05-05',
        role: 'the proposal of the lock order, a reply to Jason Gunthorpe in the review of the first version',
      },
    ],
  },
};

export function sourcesOf(caseId: string): CaseSources {
  const s = caseSources[caseId];
  if (!s) throw new Error(`src/lib/sources.ts: no sources for case '${caseId}'`);
  return s;
}
