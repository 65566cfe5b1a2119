package org.eqprop.dynamics.fused;

import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.RelaxationControl;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * A measured spike: where the time of an mnist-fc1 iteration goes inside the fused engine, without DL4J around it.
 * The 784-500-10 chain at batch 128 (hard sigmoid, fixed-point steps), per iteration: the free phase from the input
 * (W_1ᵀx + b_1 formed per batch slice, then T = 30 steps), the two nudged phases of the symmetric estimator (±β, K = 10
 * steps each) and the contrast gradient of both layers. It prints the median of each part over {@code iterations},
 * {@code rounds} times, for the input products as oneDNN float32 products and as the engine's own drive kernel and
 * BLAS (the fallback where oneDNN does not load), alternating within each round. With {@code fit}, each round first
 * times DL4J training iterations of the same network in the same process ({@link EqPropNetwork#fit}, the mnist-fc1
 * block with its squared-error loss layer and per-layer SGD, the same batch each time) and prints their median: the
 * whole iteration the way DL4J trains next to the engine's part, on the same machine state.
 * <p>
 * Run (from the repository root, after {@code mvn -o -q -B -pl dl4j-eqprop-core test-compile} and a package of the
 * examples, whose {@code target/lib} holds the dependencies):
 * <pre>
 *   OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=SKYLAKEX java --add-modules jdk.incubator.vector \
 *     -cp dl4j-eqprop-core/target/test-classes:dl4j-eqprop-core/target/classes:dl4j-eqprop-examples/target/lib/'*' \
 *     org.eqprop.dynamics.fused.FusedIterationSpike [iterations] [rounds] [batch] [fit]
 * </pre>
 */
public final class FusedIterationSpike {

    private FusedIterationSpike() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        FusedDenseRelaxation.useSingleThreadedBlas();
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int nIn = 784;
        int[] widths = {500, 10};
        EnergyChain chain = org.eqprop.TestNets.denseChain(widths, nIn, "hard-sigmoid",
                Dynamics.of("fixed-point", 0), 1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, nIn);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        NudgingForce force = new SquaredErrorForce(y, 1.0);
        RelaxationControl free = new RelaxationControl(30, 0);
        RelaxationControl nudged = new RelaxationControl(10, 0);
        INDArray[][] views = {
            {Nd4j.create(DataType.FLOAT, nIn, widths[0]), Nd4j.create(DataType.FLOAT, 1, widths[0])},
            {Nd4j.create(DataType.FLOAT, widths[0], widths[1]), Nd4j.create(DataType.FLOAT, 1, widths[1])}};
        FusedDenseRelaxation engine = FusedDenseRelaxation.INSTANCE;
        // row-major x: the drive and the W_1 contrast as oneDNN products; column-major x: the engine's own drive
        // kernel and BLAS. The two alternate within each round, so that both see the same machine.
        INDArray[] inputs = {x, x.dup('f')};
        String[] names = {"oneDNN products", "own drive + BLAS"};
        System.out.println("median ms per iteration at batch " + batch + ": free phase (drive + 30 steps) | two nudged "
                + "phases (2 x 10 steps) | contrast gradient | sum");
        EqPropNetwork net = null;
        org.nd4j.linalg.dataset.DataSet batchData = new org.nd4j.linalg.dataset.DataSet(x, y);
        if (args.length > 3 && args[3].equals("fit")) {
            EqPropBlock block = new EqPropBlock.Builder().nIn(nIn).layerSizes(widths).stateActivation("hard-sigmoid")
                    .freeSteps(30).nudgedSteps(10).beta(0.1).estimator("symmetric")
                    .layerUpdaters(new Sgd(0.08), new Sgd(0.04)).build();
            net = new EqPropNetwork(org.eqprop.TestNets.squaredError(DataType.FLOAT, block, 3));
            net.init();
        }
        for (int round = 0; round < rounds; round++) {
            if (net != null) {
                // blocks of ten iterations, as bench times them
                long[] fit = new long[Math.max(1, iterations / 10)];
                java.util.List<org.nd4j.linalg.dataset.DataSet> ten = java.util.Collections.nCopies(10, batchData);
                for (int b = 0; b < fit.length; b++) {
                    long t0 = System.nanoTime();
                    net.fit(new ListDataSetIterator<>(ten, 1));
                    fit[b] = (System.nanoTime() - t0) / 10;
                }
                System.out.printf(Locale.ROOT, "round %d, DL4J fit iteration: %.3f ms (median of %d blocks of ten)%n",
                        round, median(fit), fit.length);
            }
            long[][][] t = new long[2][3][iterations];
            for (int it = 0; it < iterations; it++) {
                for (int v0 = 0; v0 < 2; v0++) {
                    int v = (it + v0) % 2;
                    INDArray in = inputs[v];
                    long t0 = System.nanoTime();
                    Equilibrium s = engine.relaxFree(chain, in, () -> {
                        throw new IllegalStateException("the engine forms the drive itself");
                    }, free);
                    long t1 = System.nanoTime();
                    Equilibrium plus = engine.relaxSameInput(chain, null, s, force, 0.1, nudged);
                    Equilibrium minus = engine.relaxSameInput(chain, null, s, force, -0.1, nudged);
                    long t2 = System.nanoTime();
                    engine.writeContrastGradient(chain, in, plus, minus, 1.0 / 0.2, views);
                    long t3 = System.nanoTime();
                    t[v][0][it] = t1 - t0;
                    t[v][1][it] = t2 - t1;
                    t[v][2][it] = t3 - t2;
                }
            }
            for (int v = 0; v < 2; v++) {
                double f = median(t[v][0]);
                double n = median(t[v][1]);
                double g = median(t[v][2]);
                System.out.printf(Locale.ROOT, "round %d, %-16s: %.3f | %.3f | %.3f | %.3f%n", round, names[v], f, n,
                        g, f + n + g);
            }
        }
    }

    private static double median(long[] nanos) {
        long[] c = nanos.clone();
        Arrays.sort(c);
        return c[c.length / 2] / 1e6;
    }
}
