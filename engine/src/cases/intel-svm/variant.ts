/** The versions of the code: before the fix, after it, and our own three half-fixed variants. */
export type Variant = 'buggy' | 'fixed' | 'no-mm-count' | 'no-release-flush' | 'no-fault-check';

/** Before the fix (and in `no-mm-count`), the binding holds mm_users (bind keeps get_task_mm's reference). */
export const bindingHoldsUsers = (v: Variant): boolean => v === 'buggy' || v === 'no-mm-count';
/** After the fix, ->release flushes the PASID cache and IOTLB. */
export const releaseFlushes = (v: Variant): boolean => v === 'fixed' || v === 'no-mm-count' || v === 'no-fault-check';
/** After the fix, the page-request handler takes mm_users only if it is not 0, and drops it after. */
export const faultTakesUsers = (v: Variant): boolean => v === 'fixed' || v === 'no-mm-count' || v === 'no-release-flush';
