package org.eqprop.interactions;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reused native work arrays for the transient operands of a convolution (im2col columns, products, the kernel matrix),
 * one per thread, role, data type and shape: a relaxation step of a large conv net otherwise allocates (and the OS
 * zero-fills) tens of megabytes of fresh native memory per convolution. An array from {@link #get} is valid until the
 * same thread asks for the same role and shape again, so it must never escape the call that asked for it.
 */
final class ScratchArrays {

    private record Key(String role, DataType dataType, long[] shape) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && role.equals(k.role) && dataType == k.dataType && Arrays.equals(shape, k.shape);
        }

        @Override
        public int hashCode() {
            return (role.hashCode() * 31 + dataType.hashCode()) * 31 + Arrays.hashCode(shape);
        }
    }

    /**
     * Bound on the arrays kept per thread (a conv net uses about five per interaction and batch size, Winograd four
     * more).
     */
    private static final int MAX_ARRAYS = 96;

    private static final ThreadLocal<Map<Key, INDArray>> ARRAYS = ThreadLocal.withInitial(HashMap::new);

    private ScratchArrays() {
    }

    /** This thread's work array for {@code role} of this type and row-major shape (contents undefined). */
    static INDArray get(String role, DataType dataType, long... shape) {
        Map<Key, INDArray> arrays = ARRAYS.get();
        if (arrays.size() >= MAX_ARRAYS && !arrays.containsKey(new Key(role, dataType, shape))) {
            arrays.clear(); // many batch sizes or networks on this thread: start over rather than grow
        }
        return arrays.computeIfAbsent(new Key(role, dataType, shape.clone()), k -> {
            // detached: a DL4J workspace open on this thread must not own (and later recycle) the array
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.createUninitialized(dataType, k.shape(), 'c');
            }
        });
    }
}
