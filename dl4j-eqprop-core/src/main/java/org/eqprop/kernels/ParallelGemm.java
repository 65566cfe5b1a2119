package org.eqprop.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * c := alpha·op(a)·op(b) + beta·c with the rows of c split over the cores (or its columns, when op(b) is the larger
 * operand, so that each core packs half of it), one BLAS call per part. Used for the large
 * products of an iteration (the input drive W_1 x and the update of W_1) when BLAS runs single-threaded (see
 * {@code FusedDenseRelaxation.useSingleThreadedBlas()}); small products go straight to BLAS.
 */
public final class ParallelGemm {

    /** Below this many multiply-adds a product is not split. */
    private static final long MIN_SPLIT_WORK = 4_000_000L;

    private ParallelGemm() {
    }

    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                            double beta) {
        long rows = c.size(0);
        long inner = transA ? a.size(0) : a.size(1);
        if (CorePool.CORES < 2 || rows * c.size(1) * inner < MIN_SPLIT_WORK || c.ordering() != 'c') {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        // each core packs only its part of the operand it splits: the larger one (W_1 for the input drive x W_1)
        boolean byColumns = b.length() > a.length() && c.size(1) >= 64;
        int[] bounds = CorePool.split((int) (byColumns ? c.size(1) : rows), 32);
        List<Callable<Void>> parts = new ArrayList<>();
        for (int p = 0; p + 1 < bounds.length; p++) {
            INDArrayIndex r = NDArrayIndex.interval(bounds[p], bounds[p + 1]);
            if (byColumns) {
                // BLAS takes no strided view of c: the part is made whole, then written back into its columns
                INDArray cView = c.get(NDArrayIndex.all(), r);
                INDArray bPart = transB ? b.get(r, NDArrayIndex.all()) : b.get(NDArrayIndex.all(), r);
                parts.add(() -> {
                    INDArray part = beta == 0 ? Nd4j.createUninitialized(c.dataType(), cView.shape(), 'c')
                            : cView.dup('c');
                    Nd4j.gemm(a, bPart, part, transA, transB, alpha, beta);
                    cView.assign(part);
                    return null;
                });
            } else {
                INDArray aPart = transA ? a.get(NDArrayIndex.all(), r) : a.get(r, NDArrayIndex.all());
                INDArray cPart = c.get(r, NDArrayIndex.all());
                parts.add(() -> {
                    Nd4j.gemm(aPart, b, cPart, transA, transB, alpha, beta);
                    return null;
                });
            }
        }
        CorePool.runAll(parts);
    }
}
