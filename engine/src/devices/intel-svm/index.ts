/**
 * Intel VT-d shared virtual memory (drivers/iommu/intel-svm.c, v4.4–v4.5), as the intel-svm case
 * needs it. A device tagged with a PASID reaches a process's memory through the IOMMU: the PASID
 * table entry points at the mm's page tables, which the IOMMU walks for the device (ATS
 * translation); the IOMMU caches the entry (PASID cache) and the translations (IOTLB). A page the
 * walk finds missing makes the device send a page request; the IOMMU's page-request thread faults
 * it in on the CPU side and answers SUCCESS or INVALID. A device driver binds the mm to its devices
 * through its device file (an ioctl) and unbinds them in the file's ->release.
 *
 * What is here is the hardware, the driver and the page-request loop, the same in every variant;
 * the code the fix changed (intel_svm_bind_mm, intel_svm_unbind_mm, the notifier's ->release and the
 * mm part of the page-request handler) is in cases/intel-svm, built from these pieces.
 *
 * Simplifications: one IOMMU; its caches are kept per device (VT-d tags their entries with the
 * device's domain, and the flushes name it); the devices' own TLBs (ATS device-TLBs) are not
 * modelled; a translation and the page request that follows a miss are one step, and so are taking
 * the answer and translating again; a device accesses each page of its work buffer once, asking for
 * it with one page request and translating once more on SUCCESS; the driver's ->release tells its
 * devices to stop and waits until they are idle (intel_svm_unbind_mm must not run while a page
 * request is outstanding); the page-request thread stops when every device is idle and its queue is
 * empty, so that every execution ends. The page-request thread, the devices and the delayed-fput
 * worker start asleep (`startAsleep`).
 */
export * from './asleep.ts';
export * from './iommu.ts';
export * from './device.ts';
export * from './pasid.ts';
export * from './dma.ts';
export * from './prq.ts';
export * from './driver.ts';
