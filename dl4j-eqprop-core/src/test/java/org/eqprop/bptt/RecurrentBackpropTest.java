package org.eqprop.bptt;

import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.interactions.DenseInteraction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recurrent backpropagation: the fixed-point gradient, and Theorem 3 of Scellier &amp; Bengio 2018. */
class RecurrentBackpropTest {

    static final DataType DT = DataType.DOUBLE;

    static double loss(EnergyChain chain, INDArray x, INDArray y) {
        Equilibrium e = ReferenceRelaxation.INSTANCE.relax(chain, chain.inputDrive(x), chain.zeroStates(x.size(0), DT),
                null, 0, new RelaxationControl(20000, 1e-14));
        INDArray d = e.output().sub(y);
        return 0.5 * d.mul(d).sumNumber().doubleValue();
    }

    @Test
    void rbpGivesTheFixedPointGradientAndEqPropFollowsItsErrors() {
        EnergyChain chain = BackpropThroughTimeTest.chain(5, 1.0);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DT, 4, 5);
        INDArray y = Nd4j.rand(DT, 4, 3);
        INDArray drive = chain.inputDrive(x);
        Equilibrium free = ReferenceRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(4, DT), null, 0,
                new RelaxationControl(20000, 1e-14));
        RecurrentBackprop.Result rbp = RecurrentBackprop.run(chain, x, free.states(), free.output().sub(y), 300);

        // the gradient of L(θ) = C(s*(θ)), by finite differences
        double h = 1e-6;
        double worst = 0;
        for (int k = 0; k < chain.depth(); k++) {
            INDArray w = ((DenseInteraction) chain.interaction(k)).weights();
            for (long i = 0; i < w.length(); i += 4) {
                double v = w.getDouble(i);
                w.putScalar(i, v + h);
                double up = loss(chain, x, y);
                w.putScalar(i, v - h);
                double down = loss(chain, x, y);
                w.putScalar(i, v);
                double fd = (up - down) / (2 * h);
                double g = rbp.gradient().weightGradients()[k].getDouble(i);
                worst = Math.max(worst, Math.abs(fd - g) / Math.max(1e-3, Math.abs(fd)));
            }
        }
        assertTrue(worst < 1e-5, "RBP vs finite differences: " + worst);

        // Theorem 3: (s^β_{t+1} − s*)/β → −σ'(u*) ⊙ ē_t at every step of the nudged phase
        double beta = 1e-7;
        SquaredErrorForce force = new SquaredErrorForce(y, 1.0);
        INDArray[] drives = new INDArray[chain.depth()];
        chain.drives(drive, free.states(), drives);
        INDArray[] s = free.states();
        for (int t = 0; t < 8; t++) {
            s = ReferenceRelaxation.INSTANCE.relax(chain, drive, s, force, beta, new RelaxationControl(1, 0)).states();
            for (int k = 0; k < chain.depth(); k++) {
                INDArray ep = s[k].sub(free.states()[k]).divi(beta);
                INDArray expected = rbp.errors().get(t)[k].mul(chain.activation().derivative(drives[k])).negi();
                // layers the error has not reached yet are zero in both: compare against the output error's size
                double scale = Math.max(expected.norm2Number().doubleValue(),
                        1e-3 * rbp.errors().get(0)[chain.depth() - 1].norm2Number().doubleValue());
                double err = ep.sub(expected).norm2Number().doubleValue() / scale;
                assertTrue(err < 1e-4, "step " + t + " layer " + k + ": " + err);
            }
        }
    }
}
