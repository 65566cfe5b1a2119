package org.eqprop.bptt;

import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BPTT on the unrolled relaxation against finite differences, and the step-by-step agreement of EqProp with BPTT
 * (Ernoult et al. 2019, Theorem 1: the GDD property) in double precision.
 */
public class BackpropThroughTimeTest {

    static final DataType DT = DataType.DOUBLE;

    /** A 5-6-4-3 chain whose units sit mostly in the linear part of the hard sigmoid. */
    public static EnergyChain chain(long seed, double scale) {
        Nd4j.getRandom().setSeed(seed);
        int[] widths = {6, 4, 3};
        List<Interaction> list = new ArrayList<>();
        int lower = 5;
        for (int w : widths) {
            list.add(new DenseInteraction(Nd4j.rand(DT, lower, w).subi(0.5).muli(scale),
                    Nd4j.zeros(DT, 1, w).addi(0.45)));
            lower = w;
        }
        return new EnergyChain(list, widths, StateActivation.of("hard-sigmoid", 0), Dynamics.of("fixed-point", 0));
    }

    static double loss(EnergyChain chain, INDArray x, INDArray y, int steps) {
        Trajectory tr = BackpropThroughTime.forward(chain, chain.inputDrive(x), chain.zeroStates(x.size(0), DT), steps);
        INDArray d = tr.last()[chain.depth() - 1].sub(y);
        return 0.5 * d.mul(d).sumNumber().doubleValue();
    }

    @Test
    void bpttGradientEqualsFiniteDifferencesOfTheUnrolledLoss() {
        EnergyChain chain = chain(1, 1.2);
        INDArray x = Nd4j.rand(DT, 4, 5);
        INDArray y = Nd4j.rand(DT, 4, 3);
        int steps = 7;
        Trajectory tr = BackpropThroughTime.forward(chain, chain.inputDrive(x), chain.zeroStates(4, DT), steps);
        BpttGradient g = BackpropThroughTime.backward(chain, x, tr, tr.last()[2].sub(y), steps, false);
        double h = 1e-6;
        double maxRel = 0;
        for (int k = 0; k < chain.depth(); k++) {
            DenseInteraction d = (DenseInteraction) chain.interaction(k);
            for (INDArray[] pair : new INDArray[][]{{d.weights(), g.weightGradients()[k]},
                    {d.bias(), g.biasGradients()[k]}}) {
                INDArray p = pair[0];
                for (long i = 0; i < p.length(); i += 3) {
                    double v = p.getDouble(i);
                    p.putScalar(i, v + h);
                    double up = loss(chain, x, y, steps);
                    p.putScalar(i, v - h);
                    double down = loss(chain, x, y, steps);
                    p.putScalar(i, v);
                    double fd = (up - down) / (2 * h);
                    double bp = pair[1].getDouble(i);
                    maxRel = Math.max(maxRel, Math.abs(fd - bp) / Math.max(1e-3, Math.abs(fd)));
                }
            }
        }
        assertTrue(maxRel < 1e-6, "max relative error " + maxRel);
    }

    @Test
    void truncatedBpttKeepsOnlyTheLastStepsAndGivesTheSameGradient() {
        EnergyChain chain = chain(3, 1.2);
        INDArray x = Nd4j.rand(DT, 4, 5);
        INDArray y = Nd4j.rand(DT, 4, 3);
        INDArray drive = chain.inputDrive(x);
        Trajectory full = BackpropThroughTime.forward(chain, drive, chain.zeroStates(4, DT), 9);
        BpttGradient expected = BackpropThroughTime.backward(chain, x, full, full.last()[2].sub(y), 3, false);
        Trajectory kept = BackpropThroughTime.forward(chain, ReferenceRelaxation.INSTANCE, drive,
                chain.zeroStates(4, DT), 9, 3);
        assertEquals(3, kept.steps());
        long perStep = 4L * (6 + 4 + 3) * Double.BYTES;
        assertEquals((10 + 9) * perStep, full.bytes(), "full: 10 states, 9 drives");
        assertEquals((4 + 3) * perStep, kept.bytes(), "kept: 4 states, 3 drives");
        INDArray[][] views = new INDArray[3][];
        for (int k = 0; k < 3; k++) {
            views[k] = new INDArray[]{Nd4j.valueArrayOf(expected.weightGradients()[k].shape(), 7.0, DT), // overwritten
                    Nd4j.valueArrayOf(expected.biasGradients()[k].shape(), 7.0, DT)};
        }
        INDArray[] gW = {views[0][0], views[1][0], views[2][0]};
        INDArray[] gb = {views[0][1], views[1][1], views[2][1]};
        BpttGradient g = BackpropThroughTime.backwardInto(chain, x, kept, kept.last()[2].sub(y), 3, false, views,
                true);
        for (int k = 0; k < 3; k++) {
            assertTrue(expected.weightGradients()[k].equalsWithEps(gW[k], 1e-12), "W" + k);
            assertTrue(expected.biasGradients()[k].equalsWithEps(gb[k], 1e-12), "b" + k);
        }
        assertTrue(expected.inputGradient().equalsWithEps(g.inputGradient(), 1e-12));
    }

    @Test
    void eqPropStepsMatchBpttStepsOnceTheFreePhaseHasConverged() {
        EnergyChain chain = chain(2, 0.6);
        INDArray x = Nd4j.rand(DT, 3, 5);
        INDArray y = Nd4j.rand(DT, 3, 3);
        INDArray drive = chain.inputDrive(x);
        Equilibrium free = ReferenceRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(3, DT), null, 0,
                new RelaxationControl(5000, 1e-15));
        assertTrue(free.converged());
        int k = 6;
        // BPTT through K steps that sit at the fixed point
        Trajectory tr = BackpropThroughTime.forward(chain, drive, free.states(), k);
        BpttGradient bptt = BackpropThroughTime.backward(chain, x, tr, tr.last()[2].sub(y), k, true);
        // EqProp: one nudged phase of K steps, one step at a time
        double beta = 1e-7;
        SquaredErrorForce force = new SquaredErrorForce(y, 1.0);
        INDArray[] s = free.states();
        for (int t = 0; t < k; t++) {
            Equilibrium next = ReferenceRelaxation.INSTANCE.relax(chain, drive, s, force, beta,
                    new RelaxationControl(1, 0));
            for (int layer = 0; layer < chain.depth(); layer++) {
                INDArray ep = next.states()[layer].sub(s[layer]).divi(beta);
                // EP's temporal derivative equals −σ'(u*) ⊙ ∂L/∂s_{T−t}: saturated units (σ' = 0) stay put
                INDArray slope = chain.activation().derivative(tr.drives().get(0)[layer]);
                INDArray bp = bptt.stateGradients().get(t)[layer].neg().muli(slope);
                double scale = Math.max(bp.norm2Number().doubleValue(), 1e-12);
                double err = ep.sub(bp).norm2Number().doubleValue() / scale;
                assertTrue(err < 1e-4 || bp.norm2Number().doubleValue() < 1e-12,
                        "step " + t + " layer " + layer + ": EP " + ep + " vs BPTT " + bp);
            }
            s = next.states();
        }
        // and the whole K-step EqProp estimate equals the K-step truncated BPTT gradient
        INDArray[][] views = new INDArray[chain.depth()][];
        for (int layer = 0; layer < chain.depth(); layer++) {
            DenseInteraction d = (DenseInteraction) chain.interaction(layer);
            views[layer] = new INDArray[]{d.weights().like(), d.bias().like()};
        }
        chain.writeContrastGradient(x, s, free.states(), -1.0 / beta, views);
        for (int layer = 0; layer < chain.depth(); layer++) {
            INDArray bp = bptt.weightGradients()[layer];
            double err = views[layer][0].sub(bp).norm2Number().doubleValue() / bp.norm2Number().doubleValue();
            assertTrue(err < 1e-4, "layer " + layer + " weights: " + err);
        }
        assertEquals(k + 1, bptt.stateGradients().size());
    }
}
