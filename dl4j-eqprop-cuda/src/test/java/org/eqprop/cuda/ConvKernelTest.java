package org.eqprop.cuda;

import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.EulerDynamics;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.interactions.ConvPoolInteraction;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host build of the convolution kernels against ConvPoolInteraction (the CPU definition, im2col + products):
 * the implicit GEMMs (forward, transpose, weight gradient), the fused conv step (pooling with switches, bias,
 * feedback, nudging, activation, clipping, residual) and the inverse pooling, and whole conv relaxations of the
 * CUDA conv engine against the reference engine.
 */
class ConvKernelTest {

    private static final double TOLERANCE = 1e-5;

    private static ConvPoolInteraction conv(Random r, int out, int in, int kernel, int stride, int padding,
                                            ConvPoolInteraction.Pooling pooling, int pool) {
        double a = 1.2 / Math.sqrt(in * kernel * kernel);
        return new ConvPoolInteraction(TestChains.uniform(r, -a, a, out, in, kernel, kernel),
                TestChains.uniform(r, -0.2, 0.4, 1, out), stride, padding, pooling, pool);
    }

    private static void assertClose(float[] got, INDArray expected, String what) {
        double err = TestChains.relativeError(got, TestChains.floats(expected));
        assertTrue(err < TOLERANCE, what + ": relative error " + err);
    }

    @Test
    void implicitGemmsMatchTheConvolutionsOfTheCpuInteraction() {
        CudaKernels host = TestChains.host();
        Random r = new Random(31);
        // odd sizes, stride 2 and padding: every boundary of the gathers and of the 32x32x16 tiles is crossed
        int[][] cases = {{3, 5, 9, 7, 3, 1, 1}, {2, 4, 11, 11, 5, 2, 2}, {5, 33, 6, 6, 3, 1, 0}};
        for (int[] c : cases) {
            int batch = c[0];
            int in = c[1];
            int h = c[2];
            int w = c[3];
            int kernel = c[4];
            int stride = c[5];
            int padding = c[6];
            int out = 7;
            ConvPoolInteraction cpu = conv(r, out, in, kernel, stride, padding, ConvPoolInteraction.Pooling.NONE, 1);
            ConvPoolInteraction noBias = new ConvPoolInteraction(cpu.weights(), Nd4j.zeros(DataType.FLOAT, 1, out),
                    stride, padding, ConvPoolInteraction.Pooling.NONE, 1);
            ConvShape shape = new ConvShape(batch, in, h, w, out, kernel, stride, padding, 1);
            INDArray lower = TestChains.uniform(r, 0, 1, batch, in, h, w);
            INDArray upper = TestChains.uniform(r, 0, 1, batch, out, shape.outH(), shape.outW());
            float[] weights = TestChains.floats(cpu.weights());
            String what = java.util.Arrays.toString(c);

            INDArray z = Nd4j.zeros(DataType.FLOAT, batch, out, shape.outH(), shape.outW());
            noBias.addUpwardDrive(lower, z);
            assertClose(host.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, weights, TestChains.floats(lower), null,
                    null), z, "forward " + what);

            INDArray fb = Nd4j.zeros(DataType.FLOAT, batch, in, h, w);
            noBias.addDownwardDrive(lower, upper, fb);
            assertClose(host.igemm(CudaKernels.Igemm.TRANSPOSE, shape, 1f, weights, null, TestChains.floats(upper),
                    null), fb, "transpose " + what);

            INDArray lowerB = TestChains.uniform(r, 0, 1, batch, in, h, w);
            INDArray upperB = TestChains.uniform(r, 0, 1, batch, out, shape.outH(), shape.outW());
            INDArray gw = Nd4j.zeros(DataType.FLOAT, cpu.weights().shape());
            INDArray gb = Nd4j.zeros(DataType.FLOAT, 1, out);
            cpu.writeContrastGradient(lower, upper, lowerB, upperB, -0.7, new INDArray[]{gw, gb});
            float[] got = host.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, -0.7f, null, TestChains.floats(lower),
                    TestChains.floats(upper), null);
            got = host.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, 0.7f, null, TestChains.floats(lowerB),
                    TestChains.floats(upperB), got);
            assertClose(got, gw, "weight gradient " + what);
            int positions = shape.outH() * shape.outW();
            assertClose(host.channelContrast(batch, out, positions, out * positions, -0.7f, TestChains.floats(upper),
                    TestChains.floats(upperB)), gb, "bias gradient " + what);
        }
    }

    @Test
    void fusedStepPoolsRoutesAndContrastsLikeTheCpuInteraction() {
        CudaKernels host = TestChains.host();
        for (ConvPoolInteraction.Pooling pooling : ConvPoolInteraction.Pooling.values()) {
            Random r = new Random(41 + pooling.ordinal());
            int batch = 3;
            int pool = pooling == ConvPoolInteraction.Pooling.NONE ? 1 : 2;
            ConvPoolInteraction cpu = conv(r, 6, 4, 3, 1, 1, pooling, pool);
            ConvShape shape = new ConvShape(batch, 4, 8, 10, 6, 3, 1, 1, pool);
            int[] pooled = {batch, 6, shape.outH() / pool, shape.outW() / pool};
            INDArray lower = TestChains.uniform(r, 0, 1, batch, 4, 8, 10);
            INDArray upper = TestChains.uniform(r, 0, 1, pooled[0], pooled[1], pooled[2], pooled[3]);
            CudaKernels.Pooling kind = CudaKernels.Pooling.valueOf(pooling.name());
            float[] z = host.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, TestChains.floats(cpu.weights()),
                    TestChains.floats(lower), null, null);
            float[] state = TestChains.floats(upper);
            // the drive P(w ⋆ h) + b, with a hard-sigmoid step on top
            CudaKernels.ConvStepResult step = host.convStep(pooled, pool, kind, StateActivation.of("hard-sigmoid", 0),
                    false, 1f, z, null, TestChains.floats(cpu.bias()), null, null, state, 0f, 1f, null);
            INDArray drive = Nd4j.zeros(DataType.FLOAT, pooled[0], pooled[1], pooled[2], pooled[3]);
            cpu.addUpwardDrive(lower, drive);
            assertClose(step.drive(), drive, pooling + " pooled drive");
            INDArray next = StateActivation.of("hard-sigmoid", 0).applyInPlace(drive.dup());
            assertClose(step.next(), next, pooling + " step");
            assertEquals(next.sub(upper).amaxNumber().floatValue(), step.residual(), 1e-6f, pooling + " residual");
            // the feedback w ⋆ᵀ P⁻¹(s_upper) with the switches of this lower state
            float[] routed = host.unpool(pooled, pool, kind, state, step.winners());
            float[] fb = host.igemm(CudaKernels.Igemm.TRANSPOSE, shape, 1f, TestChains.floats(cpu.weights()), null,
                    routed, null);
            INDArray fbCpu = Nd4j.zeros(DataType.FLOAT, batch, 4, 8, 10);
            cpu.addDownwardDrive(lower, upper, fbCpu);
            assertClose(fb, fbCpu, pooling + " feedback");
            // ∂Φ/∂w contrast through the inverse pooling
            INDArray lowerB = TestChains.uniform(r, 0, 1, batch, 4, 8, 10);
            INDArray upperB = TestChains.uniform(r, 0, 1, pooled[0], pooled[1], pooled[2], pooled[3]);
            CudaKernels.ConvStepResult stepB = host.convStep(pooled, pool, kind, StateActivation.of("hard-sigmoid", 0),
                    false, 1f, host.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, TestChains.floats(cpu.weights()),
                            TestChains.floats(lowerB), null, null), null, TestChains.floats(cpu.bias()), null, null,
                    TestChains.floats(upperB), 0f, 1f, null);
            float[] gw = host.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, 0.5f, null, TestChains.floats(lower),
                    routed, null);
            gw = host.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, -0.5f, null, TestChains.floats(lowerB),
                    host.unpool(pooled, pool, kind, TestChains.floats(upperB), stepB.winners()), gw);
            INDArray gwCpu = Nd4j.zeros(DataType.FLOAT, cpu.weights().shape());
            INDArray gbCpu = Nd4j.zeros(DataType.FLOAT, 1, 6);
            cpu.writeContrastGradient(lower, upper, lowerB, upperB, 0.5, new INDArray[]{gwCpu, gbCpu});
            assertClose(gw, gwCpu, pooling + " weight contrast");
        }
    }

    @Test
    void fusedStepAppliesFeedbackNudgingAndEveryActivation() {
        CudaKernels host = TestChains.host();
        Random r = new Random(51);
        int[] shape = {2, 3, 4, 5};
        int cells = 2 * 3 * 4 * 5;
        INDArray base = TestChains.uniform(r, -1, 2, shape[0], shape[1], shape[2], shape[3]);
        INDArray feedback = TestChains.uniform(r, -1, 1, shape[0], shape[1], shape[2], shape[3]);
        INDArray extra = TestChains.uniform(r, -0.5, 0.5, shape[0], shape[1], shape[2], shape[3]);
        INDArray state = TestChains.uniform(r, 0, 1, shape[0], shape[1], shape[2], shape[3]);
        INDArray labels = TestChains.uniform(r, 0, 1, shape[0], shape[1], shape[2], shape[3]);
        for (String name : new String[]{"hard-sigmoid", "half-hard-sigmoid", "sigmoid"}) {
            for (boolean euler : new boolean[]{false, true}) {
                if (euler && !name.equals("hard-sigmoid")) {
                    continue;
                }
                StateActivation act = StateActivation.of(name, euler ? 0 : 0.03);
                INDArray u = base.add(feedback).addi(extra).subi(state.sub(labels).muli(0.4 * 1.5));
                INDArray expected = euler ? new EulerDynamics(0.3).step(state, u.dup(), act)
                        : FixedPointDynamics.INSTANCE.step(state, u.dup(), act);
                CudaKernels.ConvStepResult got = host.convStep(shape, 1, CudaKernels.Pooling.NONE, act, euler, 0.3f,
                        null, TestChains.floats(base), null, TestChains.floats(feedback), TestChains.floats(extra),
                        TestChains.floats(state), 0.4f, 1.5f, TestChains.floats(labels));
                assertEquals(cells, got.next().length);
                assertClose(got.drive(), u, name + " drive");
                assertClose(got.next(), expected, name + (euler ? " euler" : "") + " step");
                assertEquals(expected.sub(state).amaxNumber().floatValue(), got.residual(), 1e-6f, name);
            }
        }
    }

    private static void relaxAgainstReference(ConvPoolInteraction.Pooling pooling, String force,
                                              RelaxationControl control, long seed) {
        Random r = new Random(seed);
        int batch = 3;
        int pool = pooling == ConvPoolInteraction.Pooling.NONE ? 1 : 2;
        // 2x12x12 → conv 5 (3x3, pad 1, pool) → 5x6x6 → conv 4 (3x3, pad 1, pool 2 or none) → output map
        ConvPoolInteraction c1 = conv(r, 5, 2, 3, 1, 1, pooling, pool);
        ConvPoolInteraction c2 = conv(r, 4, 5, 3, 1, 1, pooling, pool);
        int h1 = 12 / pool;
        int h2 = h1 / pool;
        long[][] shapes = {{5, h1, h1}, {4, h2, h2}};
        EnergyChain chain = new EnergyChain(List.<Interaction>of(c1, c2), shapes,
                StateActivation.of("hard-sigmoid", 0), FixedPointDynamics.INSTANCE);
        INDArray x = TestChains.uniform(r, 0, 1, batch, 2, 12, 12);
        INDArray drive = chain.inputDrive(x);
        INDArray[] start = TestChains.randomStates(r, chain, batch);
        NudgingForce f = null;
        int outUnits = 4 * h2 * h2;
        if (force.equals("squared")) {
            f = new SquaredErrorForce(TestChains.uniform(r, 0, 1, batch, outUnits), 1.0);
        } else if (force.equals("held")) {
            f = new HeldForce(TestChains.uniform(r, -1, 1, batch, outUnits));
        }
        Equilibrium expected = ReferenceRelaxation.INSTANCE.relax(chain, drive, start, f, 0.5, control);
        Equilibrium got = new CudaConvRelaxation(TestChains.host()).relax(chain, drive, start, f, 0.5, control);
        String what = pooling + ", " + force + ", " + control;
        for (int k = 0; k < 2; k++) {
            double err = TestChains.relativeError(got.states()[k], expected.states()[k]);
            assertTrue(err < TOLERANCE, what + ": layer " + k + " relative error " + err);
        }
        assertEquals(expected.steps(), got.steps(), what);
        assertEquals(expected.residual(), got.residual(), 1e-5, what);
    }

    @Test
    void convRelaxationMatchesTheReferenceEngine() {
        relaxAgainstReference(ConvPoolInteraction.Pooling.MAX, "none", new RelaxationControl(12, 0), 61);
        relaxAgainstReference(ConvPoolInteraction.Pooling.MAX, "squared", new RelaxationControl(6, 0), 62);
        relaxAgainstReference(ConvPoolInteraction.Pooling.AVG, "held", new RelaxationControl(6, 0), 63);
        relaxAgainstReference(ConvPoolInteraction.Pooling.NONE, "squared", new RelaxationControl(5, 0, true), 64);
        relaxAgainstReference(ConvPoolInteraction.Pooling.MAX, "none", new RelaxationControl(8, 0, true), 65);
    }
}
