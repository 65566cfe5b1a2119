package org.eqprop.interactions;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;

/**
 * A measured spike behind {@link OnednnConvolution.Key#bf16Pays}: for every convolution layer of the conv presets
 * (mnist-conv, cifar10-small, cifar10-fast, cifar10-laborieux at their batch sizes), the best of {@code rounds} calls
 * of each oneDNN entry that could run it, forward (w ⋆ h) and transpose (w ⋆ᵀ g): float32 direct, bf16 operands, and
 * float32 Winograd where {@link OnednnConvolution.Key#winogradPays}. It prints bf16's time over the faster float32
 * entry's, and what the rule picks. The entries are timed in turn within each round, so that a change of the
 * machine's load falls on all of them.
 * <p>
 * Run (from the repository root, after {@code mvn -o -q -B -pl dl4j-eqprop-core test-compile} and a package of the
 * examples, whose {@code target/lib} holds the dependencies):
 * <pre>
 *   OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE java -cp dl4j-eqprop-core/target/test-classes:\
 *     dl4j-eqprop-core/target/classes:dl4j-eqprop-examples/target/lib/'*' \
 *     org.eqprop.interactions.Bf16RuleSpike [rounds]
 * </pre>
 */
public final class Bf16RuleSpike {

    private Bf16RuleSpike() {
    }

    /** batch, channels in, input size, channels out, kernel, padding; the preset's name. */
    private record Layer(String preset, int batch, int in, int size, int out, int kernel, int padding) {
    }

    private static final Layer[] LAYERS = {
        new Layer("mnist-conv", 128, 1, 28, 32, 5, 0),
        new Layer("mnist-conv", 128, 32, 12, 64, 5, 0),
        new Layer("cifar10-small", 64, 3, 32, 16, 3, 1),
        new Layer("cifar10-small", 64, 16, 16, 32, 3, 1),
        new Layer("cifar10-small", 64, 32, 8, 64, 3, 1),
        new Layer("cifar10-fast", 128, 3, 32, 32, 3, 1),
        new Layer("cifar10-fast", 128, 32, 16, 64, 3, 1),
        new Layer("cifar10-fast", 128, 64, 8, 128, 3, 1),
        new Layer("cifar10-laborieux", 32, 3, 32, 128, 3, 1),
        new Layer("cifar10-laborieux", 32, 128, 16, 256, 3, 1),
        new Layer("cifar10-laborieux", 32, 256, 8, 512, 3, 1),
        new Layer("cifar10-laborieux", 32, 512, 4, 512, 3, 0),
    };

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        if (!org.eqprop.kernels.Onednn.bf16()) {
            System.out.println("oneDNN reports neither AVX512_BF16 nor AMX here: bf16 operands do not run");
            return;
        }
        System.out.println("# oneDNN " + org.eqprop.kernels.Onednn.version() + ", AMX: "
                + org.eqprop.kernels.Onednn.amx() + " (the rule's column is this ISA's rule)");
        System.out.println("layer | direction | fp32 direct ms | fp32 Winograd ms | bf16 ms | bf16 / best fp32 | rule");
        for (Layer l : LAYERS) {
            OnednnConvolution.Key direct = new OnednnConvolution.Key(l.batch(), l.in(), l.size(), l.size(), l.out(),
                    l.kernel(), l.kernel(), 1, l.padding(), false);
            OnednnConvolution.Key winograd = direct.winogradPays() && OnednnConvolution.makesWinograd(direct)
                    ? direct.withWinograd(true) : null;
            OnednnConvolution.Key[] entries = {direct, winograd, direct.withBf16(true)};
            INDArray h = Nd4j.rand(DataType.FLOAT, l.batch(), l.in(), l.size(), l.size());
            INDArray g = Nd4j.rand(DataType.FLOAT, l.batch(), l.out(), direct.outHeight(), direct.outWidth());
            INDArray w = Nd4j.rand(DataType.FLOAT, l.out(), l.in(), l.kernel(), l.kernel()).subi(0.5);
            OnednnConvolution.Kernels kernels = new OnednnConvolution.Kernels(() -> w);
            INDArray out = Nd4j.create(DataType.FLOAT, g.shape());
            INDArray target = Nd4j.create(DataType.FLOAT, h.shape());
            for (boolean forward : new boolean[]{true, false}) {
                double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < entries.length; i++) {
                        if (entries[i] == null) {
                            continue;
                        }
                        OnednnConvolution c = OnednnConvolution.of(entries[i]);
                        long t0 = System.nanoTime();
                        if (forward) {
                            c.forward(h, kernels, out);
                        } else {
                            c.addTranspose(g, kernels, target);
                        }
                        best[i] = Math.min(best[i], (System.nanoTime() - t0) / 1e6);
                    }
                }
                double float32 = Math.min(best[0], best[1]);
                boolean rule = direct.bf16Pays(forward, winograd != null);
                System.out.printf(Locale.ROOT, "%s %d→%d %dx%d p%d b%d | %s | %.2f | %s | %.2f | %.2f | %s%n",
                        l.preset(), l.in(), l.out(), l.size(), l.size(), l.padding(), l.batch(),
                        forward ? "forward" : "transpose", best[0],
                        winograd == null ? "—" : String.format(Locale.ROOT, "%.2f", best[1]), best[2],
                        best[2] / float32, rule ? "bf16" : winograd != null ? "fp32 Winograd" : "fp32 direct");
            }
            OnednnConvolution.clearCache();
        }
    }
}
