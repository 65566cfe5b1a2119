package org.eqprop.training;

import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EqProp's nudged-phase increments against BPTT, step by step (Ernoult et al. 2019, Theorem 1). */
class GddCheckTest {

    static GddCheck.Result run(double beta, RelaxationControl free) {
        return run(org.eqprop.bptt.BackpropThroughTimeTest.chain(4, 1.0), beta, free, 0);
    }

    static GddCheck.Result run(EnergyChain chain, double beta, RelaxationControl free, double continualRate) {
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 5);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 5, 3);
        return GddCheck.run(chain, x, new SquaredErrorForce(y, 1.0), s -> s.sub(y), beta, 8, free, continualRate);
    }

    @Test
    void eqPropIncrementsTrackBpttGradientsStepByStep() {
        GddCheck.Result r = run(1e-4, new RelaxationControl(10000, 1e-14));
        for (int layer = 0; layer < 3; layer++) {
            double n = GddCheck.Result.relativeRmse(r.symmetric().neurons(), r.bptt().neurons(), layer);
            double w = GddCheck.Result.relativeRmse(r.symmetric().weights(), r.bptt().weights(), layer);
            assertTrue(n < 1e-2 && w < 1e-2, "layer " + layer + ": neurons " + n + ", weights " + w);
            assertTrue(GddCheck.Result.relativeRmse(r.oneSided().weights(), r.bptt().weights(), layer) < 1e-2);
            assertEquals(0.0, GddCheck.Result.signDisagreement(r.symmetric().weights(), r.bptt().weights(), layer),
                    0.01);
        }
        assertEquals(8, r.bptt().neurons().size());
    }

    @Test
    void symmetricIsCloserThanOneSided() {
        // a net whose units stay in the linear part of σ, so that the bias is the estimators' own (O(β) vs O(β²))
        GddCheck.Result r = run(org.eqprop.bptt.BackpropThroughTimeTest.chain(2, 0.6), 0.02, new RelaxationControl(10000, 1e-14), 0);
        for (int layer = 0; layer < 3; layer++) {
            double one = GddCheck.Result.relativeRmse(r.oneSided().weights(), r.bptt().weights(), layer);
            double sym = GddCheck.Result.relativeRmse(r.symmetric().weights(), r.bptt().weights(), layer);
            assertTrue(sym < one, "layer " + layer + ": symmetric " + sym + " vs one-sided " + one);
        }
    }

    /**
     * Ernoult et al. 2020, Theorem 1: the C-EP updates Δθ(t) = (θ_t − θ_{t+1})/η tend to −∂L/∂θ_{T−t} as η → 0 and
     * β → 0 with η ≪ β (the weights must move the fixed point much less than the nudge moves the states); a larger
     * η pulls them away.
     */
    @Test
    void continualUpdatesTendToBpttGradientsAsEtaAndBetaVanish() {
        RelaxationControl free = new RelaxationControl(10000, 1e-14);
        double[] small = new double[3];
        double[] large = new double[3];
        GddCheck.Result r = run(org.eqprop.bptt.BackpropThroughTimeTest.chain(4, 1.0), 1e-4, free, 1e-9);
        GddCheck.Result big = run(org.eqprop.bptt.BackpropThroughTimeTest.chain(4, 1.0), 1e-4, free, 1e-6);
        for (int layer = 0; layer < 3; layer++) {
            small[layer] = GddCheck.Result.relativeRmse(r.continual().weights(), r.bptt().weights(), layer);
            large[layer] = GddCheck.Result.relativeRmse(big.continual().weights(), big.bptt().weights(), layer);
            double neurons = GddCheck.Result.relativeRmse(r.continual().neurons(), r.bptt().neurons(), layer);
            assertTrue(small[layer] < 1e-2 && neurons < 1e-2, "layer " + layer + ": C-EP weights " + small[layer]
                    + ", neurons " + neurons);
            assertTrue(large[layer] > 10 * small[layer], "layer " + layer + ": eta 1e-6 gives " + large[layer]
                    + ", eta 1e-9 gives " + small[layer]);
        }
        System.out.printf("C-EP vs BPTT relative RMSE per layer (weights), beta=1e-4: eta=1e-9 %s, eta=1e-6 %s%n",
                java.util.Arrays.toString(small), java.util.Arrays.toString(large));
    }

    /** The GDD property on a convolutional chain (conv + 2×2 max pooling, then dense): issue 4 with issue 3's check. */
    @Test
    void eqPropTracksBpttOnAConvolutionalChain() {
        Nd4j.getRandom().setSeed(12);
        java.util.List<org.eqprop.interactions.Interaction> list = java.util.List.of(
                new org.eqprop.interactions.ConvPoolInteraction(Nd4j.rand(DataType.DOUBLE, 3, 1, 3, 3).subi(0.5),
                        Nd4j.zeros(DataType.DOUBLE, 1, 3).addi(0.3), 1, 1,
                        org.eqprop.interactions.ConvPoolInteraction.Pooling.MAX, 2),
                new org.eqprop.interactions.DenseInteraction(Nd4j.rand(DataType.DOUBLE, 27, 3).subi(0.5).muli(0.6),
                        Nd4j.zeros(DataType.DOUBLE, 1, 3).addi(0.4)));
        EnergyChain chain = new EnergyChain(list, new long[][]{{3, 3, 3}, {3}},
                org.eqprop.layers.StateActivation.of("hard-sigmoid", 0),
                org.eqprop.dynamics.Dynamics.of("fixed-point", 0));
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 6, 6);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 4, 3);
        GddCheck.Result r = GddCheck.run(chain, x, new SquaredErrorForce(y, 1.0), s -> s.sub(y), 1e-5, 6,
                new RelaxationControl(10000, 1e-14), 0);
        for (int layer = 0; layer < 2; layer++) {
            double n = GddCheck.Result.relativeRmse(r.symmetric().neurons(), r.bptt().neurons(), layer);
            double w = GddCheck.Result.relativeRmse(r.symmetric().weights(), r.bptt().weights(), layer);
            assertTrue(n < 1e-2 && w < 1e-2, "layer " + layer + ": neurons " + n + ", weights " + w);
            System.out.printf("conv chain GDD, layer %d: relative RMSE neurons %.2e, weights %.2e%n", layer + 1, n, w);
        }
    }

    @Test
    void refusesAnUnconvergedFreePhaseLoudly() {
        RelaxationException e = assertThrows(RelaxationException.class,
                () -> run(1e-4, new RelaxationControl(3, 1e-14)));
        assertTrue(e.getMessage().contains("did not converge"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> run(1e-4, new RelaxationControl(3000, 0)));
    }
}
