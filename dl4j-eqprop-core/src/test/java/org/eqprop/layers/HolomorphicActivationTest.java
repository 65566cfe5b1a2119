package org.eqprop.layers;

import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.TestNets;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The holomorphic activations: their complex extension, and their real form on every CPU engine. */
class HolomorphicActivationTest {

    private static double[] complex(StateActivation a, double u, double v) {
        double[] re = {u};
        double[] im = {v};
        a.applyComplexInPlace(re, im);
        return new double[]{re[0], im[0]};
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "logistic", "tanh"})
    void extensionMatchesTheRealFunctionAndSatisfiesCauchyRiemann(String name) {
        StateActivation a = StateActivation.of(name, 0.05);
        assertTrue(a.isHolomorphic());
        for (double u : new double[]{-30, -2, -0.3, 0, 0.4, 0.5, 1.7, 40}) {
            double[] z = complex(a, u, 0);
            assertEquals(a.apply((float) u), z[0], 1e-6, name + " at " + u);
            assertEquals(0, z[1], 0);
            // f'(z) along the real and the imaginary direction agree (Cauchy–Riemann), also off the real axis
            double v = 0.2;
            double h = 1e-6;
            double[] f = complex(a, u, v);
            double[] fx = complex(a, u + h, v);
            double[] fy = complex(a, u, v + h);
            double dRe = (fx[0] - f[0]) / h;
            double dIm = (fx[1] - f[1]) / h;
            // ∂f/∂y = i ∂f/∂x
            assertEquals(-dIm, (fy[0] - f[0]) / h, 1e-4, name + " CR real part at " + u);
            assertEquals(dRe, (fy[1] - f[1]) / h, 1e-4, name + " CR imaginary part at " + u);
            // and the real derivative is σ' (leak included)
            INDArray d = a.derivative(Nd4j.scalar(DataType.DOUBLE, u).reshape(1, 1));
            assertEquals(d.getDouble(0), (complex(a, u + h, 0)[0] - complex(a, u - h, 0)[0]) / (2 * h), 1e-5);
        }
        // no overflow far out on the real axis, a pole reported as non-finite
        assertTrue(Double.isFinite(complex(a, 1e6, 3)[0]) && Double.isFinite(complex(a, -1e6, 3)[1]));
    }

    @Test
    void poleOfTheLogisticBlowsUp() {
        double[] z = complex(StateActivation.of("logistic", 0), 0, Math.PI);
        assertTrue(!Double.isFinite(z[0] + z[1]) || Math.hypot(z[0], z[1]) > 1e12, "1/(1 + e^{-i pi}) = 1/0");
    }

    @Test
    void clippedActivationsAreRefused() {
        assertFalse(StateActivation.of("hard-sigmoid", 0).isHolomorphic());
        assertThrows(IllegalStateException.class,
                () -> StateActivation.of("half-hard-sigmoid", 0).applyComplexInPlace(new double[1], new double[1]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"logistic", "tanh"})
    void fusedEngineAgreesWithTheReference(String name) {
        org.nd4j.linalg.dataset.DataSet ds = TestNets.data(DataType.FLOAT, 4, 6, 3, 5);
        INDArray[] out = new INDArray[2];
        String[] engines = {"reference", "fused"};
        for (int i = 0; i < 2; i++) {
            EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(7, 3).stateActivation(name).freeSteps(40)
                    .engine(engines[i]).build();
            MultiLayerNetwork net = new MultiLayerNetwork(TestNets.squaredError(DataType.FLOAT, b, 3));
            net.init();
            out[i] = net.output(ds.getFeatures());
        }
        assertTrue(out[0].sub(out[1]).amaxNumber().doubleValue() < 1e-5, name + ": " + out[0] + " vs " + out[1]);
        if (name.equals("tanh")) {
            assertTrue(out[0].minNumber().doubleValue() < 0, "tanh states reach below 0");
        }
    }
}
