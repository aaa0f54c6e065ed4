/** The kernel's error numbers the models return, negated as the kernel returns them (`return -EAGAIN`). */
export const EBADF = 9;
export const EAGAIN = 11;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
