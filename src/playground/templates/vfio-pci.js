// vfio-pci in miniature: user space reads the device's BAR through a mapping while another thread
// turns the device's memory decoding off; nothing orders the two, so the read can reach a
// disabled BAR. The fix takes a lock (memory_lock) around both.
import { scenario, atomic_read, atomic_set, BUG_ON } from '@interleave/engine';

export default scenario('vfio-pci: a BAR read while memory is disabled', (k) => {
  const enabled = k.atomic('PCI_COMMAND_MEMORY', 1);
  k.thread('user', function* () {
    if (yield* atomic_read(enabled)) {
      // the device: a read of its BAR while decoding is off is an error
      const on = yield* atomic_read(enabled);
      BUG_ON(!on, 'read of the BAR while memory decoding is disabled');
    }
  });
  k.thread('reset', function* () {
    yield* atomic_set(enabled, 0); // PCI_COMMAND_MEMORY off, e.g. for a reset
    yield* atomic_set(enabled, 1);
  });
}, { focus: ['PCI_COMMAND_MEMORY'] });
