package org.eqprop.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-pass clip of large dense float32 maps (conv layers' states) against the definition clip(a u, 0, 1) + λu:
 * the float64 path of ND4J operations, and the small-array and strided-view paths of float32.
 */
class ClippedActivationTest {

    @Test
    void onePassClipOfLargeFloatMapsMatchesTheDefinition() {
        for (StateActivation.Kind kind : new StateActivation.Kind[]{StateActivation.Kind.HARD_SIGMOID,
                StateActivation.Kind.HALF_HARD_SIGMOID}) {
            for (double leak : new double[]{0, 0.05}) {
                StateActivation act = new StateActivation(kind, leak);
                Nd4j.getRandom().setSeed(3);
                INDArray u = Nd4j.rand(DataType.DOUBLE, 8, 16, 16, 16).muli(6).subi(3); // 32768 values in [-3, 3)
                INDArray expected = act.applyInPlace(u.dup()); // float64: ND4J's operations
                INDArray fast = act.applyInPlace(u.castTo(DataType.FLOAT));
                // a strided view of the same values takes the ND4J operations in float32
                INDArray wide = Nd4j.zeros(DataType.FLOAT, 8, 17, 16, 16);
                INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 17)).assign(u.castTo(DataType.FLOAT));
                act.applyInPlace(view);
                String what = kind + " leak " + leak;
                assertTrue(fast.castTo(DataType.DOUBLE).equalsWithEps(expected, 1e-6), what);
                assertEquals(0, fast.sub(view).amaxNumber().doubleValue(), 0, what + ": fast vs ND4J in float");
                double a = kind == StateActivation.Kind.HALF_HARD_SIGMOID ? 0.5 : 1;
                for (long i = 0; i < u.length(); i += 997) {
                    double v = u.getDouble(i);
                    assertEquals(Math.min(Math.max(a * v, 0), 1) + leak * v, fast.getDouble(i), 1e-6, what);
                }
            }
        }
    }
}
