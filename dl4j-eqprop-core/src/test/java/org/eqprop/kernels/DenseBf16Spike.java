package org.eqprop.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * A measured spike: mnist-fc1's two large products at batch 128, the input drive x W_1 ([128, 784] × [784, 500]) and
 * the W_1 contrast xᵀ D ([784, 128] × [128, 500]), each timed (median of 200 calls, five rounds) four ways in one
 * process: the fused engine's own drive kernel on two batch slices (the drive only), OpenBLAS split over the cores
 * ({@link ParallelGemm}), oneDNN's matmul with float32 operands and with bf16 operands ({@link OnednnMatmul}, the
 * conversions included), and the relative error of each product against OpenBLAS's.
 * <p>
 * Run (from the repository root, after {@code mvn -o -q -B -pl dl4j-eqprop-core test-compile} and a package of the
 * examples, whose {@code target/lib} holds the dependencies):
 * <pre>
 *   OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=SKYLAKEX java --add-modules jdk.incubator.vector \
 *     -cp dl4j-eqprop-core/target/test-classes:dl4j-eqprop-core/target/classes:dl4j-eqprop-examples/target/lib/'*' \
 *     org.eqprop.kernels.DenseBf16Spike
 * </pre>
 */
public final class DenseBf16Spike {

    private DenseBf16Spike() {
    }

    private static double medianMs(Runnable r, int reps) {
        for (int i = 0; i < 20; i++) {
            r.run();
        }
        long[] t = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t[reps / 2] / 1e6;
    }

    private static double relativeError(INDArray got, INDArray want) {
        return got.sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
    }

    public static void main(String[] args) {
        org.eqprop.dynamics.fused.FusedDenseRelaxation.useSingleThreadedBlas();
        int batch = 128;
        int nIn = 784;
        int width = 500;
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, nIn);
        INDArray w = Nd4j.rand(DataType.FLOAT, nIn, width).subi(0.5).muli(0.1);
        INDArray d = Nd4j.rand(DataType.FLOAT, width, batch).subi(0.5); // S_1^a − S_1^b, feature-major
        INDArray[] drive = {Nd4j.create(DataType.FLOAT, batch, width), Nd4j.create(DataType.FLOAT, batch, width),
            Nd4j.create(DataType.FLOAT, batch, width)};
        INDArray[] grad = {Nd4j.create(DataType.FLOAT, nIn, width), Nd4j.create(DataType.FLOAT, nIn, width),
            Nd4j.create(DataType.FLOAT, nIn, width)};
        OnednnMatmul.Shape drive32 = new OnednnMatmul.Shape(batch, width, nIn, false, false, false, false);
        OnednnMatmul.Shape drive16 = new OnednnMatmul.Shape(batch, width, nIn, false, false, false, true);
        OnednnMatmul.Shape grad32 = new OnednnMatmul.Shape(nIn, width, batch, true, true, false, false);
        OnednnMatmul.Shape grad16 = new OnednnMatmul.Shape(nIn, width, batch, true, true, false, true);
        Runnable[] drives = {
            () -> ParallelGemm.gemm(x, w, drive[0], false, false, 1.0, 0.0),
            () -> OnednnMatmul.multiply(drive32, x, w, null, drive[1]),
            () -> OnednnMatmul.multiply(drive16, x, w, null, drive[2])};
        Runnable[] grads = {
            () -> ParallelGemm.gemm(x, d, grad[0], true, true, 1.0, 0.0),
            () -> OnednnMatmul.multiply(grad32, x, d, null, grad[1]),
            () -> OnednnMatmul.multiply(grad16, x, d, null, grad[2])};
        float[] xf = x.data().asFloat();
        float[] wf = w.data().asFloat();
        Runnable own = () -> {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int slice = 0; slice < 2; slice++) {
                int offset = slice * batch / 2;
                tasks.add(() -> {
                    float[] xs = new float[nIn * batch / 2];
                    FusedKernels.toFeatureMajor(xf, nIn, offset, batch / 2, xs, batch / 2);
                    float[] out = new float[width * batch / 2];
                    FusedKernels.productTransposed(out, out, wf, xs, width, nIn, batch / 2);
                    return null;
                });
            }
            CorePool.runAll(tasks);
        };
        System.out.println("oneDNN: " + OnednnMatmul.implementation(drive32) + " (fp32), "
                + OnednnMatmul.implementation(drive16) + " (bf16)");
        System.out.println("median ms | drive: own kernel, OpenBLAS, oneDNN fp32, oneDNN bf16 | W_1 contrast: "
                + "OpenBLAS, oneDNN fp32, oneDNN bf16");
        for (int round = 0; round < 5; round++) {
            System.out.printf(Locale.ROOT, "round %d | drive %.3f %.3f %.3f %.3f | contrast %.3f %.3f %.3f%n", round,
                    medianMs(own, 200), medianMs(drives[0], 200), medianMs(drives[1], 200), medianMs(drives[2], 200),
                    medianMs(grads[0], 200), medianMs(grads[1], 200), medianMs(grads[2], 200));
        }
        System.out.printf(Locale.ROOT, "relative error against OpenBLAS: drive fp32 %.2e, bf16 %.2e; contrast fp32 %.2e, "
                + "bf16 %.2e%n", relativeError(drive[1], drive[0]), relativeError(drive[2], drive[0]),
                relativeError(grad[1], grad[0]), relativeError(grad[2], grad[0]));
    }
}
