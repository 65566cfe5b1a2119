package org.eqprop.dynamics;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The finiteness check that guards inputs, states and parameters. */
class PhasesTest {

    /**
     * Large finite values whose sum overflows are finite; one NaN or one infinity anywhere is not, in float32 and
     * float64.
     */
    @Test
    void allFiniteSeesEachEntryNotTheSum() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            double big = type == DataType.FLOAT ? 3e38 : 1.7e308;
            INDArray large = Nd4j.valueArrayOf(new long[]{4, 25}, big, type);
            assertFalse(Double.isFinite(large.sumNumber().doubleValue()), "the sum overflows");
            assertTrue(Phases.allFinite(large), type + ": large finite values are finite");
            assertTrue(Phases.allFinite(Nd4j.rand(type, 4, 25)), type.toString());
            for (double bad : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                INDArray small = Nd4j.rand(type, 4, 25);
                small.putScalar(2, 7, bad);
                assertFalse(Phases.allFinite(small), type + ": " + bad);
                INDArray mixed = large.dup();
                mixed.putScalar(3, 24, bad);
                assertFalse(Phases.allFinite(mixed), type + ": " + bad + " among large values");
            }
        }
    }
}
