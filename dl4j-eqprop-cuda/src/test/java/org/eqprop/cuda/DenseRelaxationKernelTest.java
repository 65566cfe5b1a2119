package org.eqprop.cuda;

import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SoftmaxReadoutForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.EulerDynamics;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host build of the persistent dense kernel (dense_relax.cu) against the CPU engines on random systems: free and
 * nudged phases (squared error, softmax readout, held force), every activation, the Euler rule, the alternating
 * order, tolerance stops, tiles that do not divide the batch, and a whole iteration (free, +β, −β) in one launch.
 */
class DenseRelaxationKernelTest {

    private static final double TOLERANCE = 1e-5;
    private static final int IN = 17;
    private static final int[] WIDTHS = {23, 11, 7};
    private static final int BATCH = 13;

    private static void assertSame(Equilibrium expected, Equilibrium got, String what) {
        for (int k = 0; k < expected.states().length; k++) {
            double err = TestChains.relativeError(got.states()[k], expected.states()[k]);
            assertTrue(err < TOLERANCE, what + ": layer " + k + " relative error " + err);
        }
        assertEquals(expected.steps(), got.steps(), what + ": steps");
        assertEquals(expected.residual(), got.residual(), 1e-5, what + ": residual");
        assertEquals(expected.converged(), got.converged(), what + ": converged");
    }

    private static void compare(StateActivation activation, Dynamics dynamics, String forceKind,
                                RelaxationControl control, int tile, long seed) {
        compare(WIDTHS, activation, dynamics, forceKind, control, tile, seed);
    }

    private static void compare(int[] widths, StateActivation activation, Dynamics dynamics, String forceKind,
                                RelaxationControl control, int tile, long seed) {
        Random r = new Random(seed);
        EnergyChain chain = TestChains.dense(r, IN, widths, activation, dynamics, 1.5);
        INDArray x = TestChains.uniform(r, 0, 1, BATCH, IN);
        INDArray drive = chain.inputDrive(x);
        INDArray[] start = TestChains.randomStates(r, chain, BATCH);
        int top = widths[widths.length - 1];
        NudgingForce force;
        switch (forceKind) {
            case "squared":
                force = new SquaredErrorForce(TestChains.oneHot(r, BATCH, top), 1.0);
                break;
            case "softmax":
                force = new SoftmaxReadoutForce(TestChains.uniform(r, -0.5, 0.5, top, 5),
                        TestChains.uniform(r, -0.1, 0.1, 1, 5), TestChains.oneHot(r, BATCH, 5));
                break;
            case "held":
                force = new HeldForce(TestChains.uniform(r, -1, 1, BATCH, top));
                break;
            default:
                force = null;
        }
        double beta = force == null ? 0 : (r.nextBoolean() ? 0.5 : -0.5);
        RelaxationEngine cpu = FusedDenseRelaxation.INSTANCE;
        CudaRelaxationEngine host = new CudaRelaxationEngine(TestChains.host(), tile);
        String what = activation + ", " + dynamics.name() + ", force " + forceKind + ", " + control + ", tile " + tile;
        Equilibrium expected = cpu.relax(chain, drive, start, force, beta, control);
        assertSame(expected, host.relax(chain, drive, start, force, beta, control), what);
        // and the definition itself (ND4J ops, one per layer and step)
        Equilibrium reference = ReferenceRelaxation.INSTANCE.relax(chain, drive, start, force, beta, control);
        for (int k = 0; k < widths.length; k++) {
            assertTrue(TestChains.relativeError(expected.states()[k], reference.states()[k]) < TOLERANCE, what);
        }
    }

    @Test
    void freePhaseMatchesTheCpuEngineForEveryActivation() {
        RelaxationControl c = new RelaxationControl(30, 0);
        compare(StateActivation.of("hard-sigmoid", 0), FixedPointDynamics.INSTANCE, "none", c, 4, 1);
        compare(StateActivation.of("half-hard-sigmoid", 0), FixedPointDynamics.INSTANCE, "none", c, 13, 2);
        compare(StateActivation.of("sigmoid", 0), FixedPointDynamics.INSTANCE, "none", c, 1, 3);
        compare(StateActivation.of("hard-sigmoid", 0.05), FixedPointDynamics.INSTANCE, "none", c, 5, 4);
    }

    @Test
    void nudgedPhasesMatchTheCpuEngineForEveryForce() {
        RelaxationControl c = new RelaxationControl(10, 0);
        StateActivation hs = StateActivation.of("hard-sigmoid", 0);
        compare(hs, FixedPointDynamics.INSTANCE, "squared", c, 4, 5);
        compare(hs, FixedPointDynamics.INSTANCE, "softmax", c, 3, 6);
        compare(StateActivation.of("half-hard-sigmoid", 0), FixedPointDynamics.INSTANCE, "softmax", c, 13, 7);
        compare(hs, FixedPointDynamics.INSTANCE, "held", c, 6, 8);
    }

    @Test
    void eulerAlternatingAndToleranceMatchTheCpuEngine() {
        StateActivation hs = StateActivation.of("hard-sigmoid", 0);
        compare(hs, new EulerDynamics(0.4), "squared", new RelaxationControl(25, 0), 4, 9);
        compare(hs, FixedPointDynamics.INSTANCE, "softmax", new RelaxationControl(20, 0, true), 5, 10);
        compare(hs, FixedPointDynamics.INSTANCE, "none", new RelaxationControl(20, 0, true), 2, 11);
        // a tolerance stops each tile on its own residual, as the CPU engine's slices: one tile = the whole batch
        compare(hs, FixedPointDynamics.INSTANCE, "none", new RelaxationControl(200, 1e-4), BATCH, 12);
        compare(hs, FixedPointDynamics.INSTANCE, "squared", new RelaxationControl(3, 1e-9), BATCH, 13);
    }

    @Test
    void narrowLayersSplitTheirSumsOverIdleThreads() {
        // 6 output units over 150 hidden ones: 5 partial sums per drive (chunks of 30 terms), 3 with tile 13
        int[] wide = {150, 6};
        StateActivation hs = StateActivation.of("hard-sigmoid", 0);
        compare(wide, hs, FixedPointDynamics.INSTANCE, "none", new RelaxationControl(20, 0), 1, 14);
        compare(wide, hs, FixedPointDynamics.INSTANCE, "squared", new RelaxationControl(10, 0), 4, 15);
        compare(wide, StateActivation.of("half-hard-sigmoid", 0), FixedPointDynamics.INSTANCE, "softmax",
                new RelaxationControl(10, 0, true), 13, 16);
        compare(new int[]{40, 90, 3}, hs, FixedPointDynamics.INSTANCE, "softmax", new RelaxationControl(15, 0), 2, 17);
    }

    @Test
    void oneLaunchRunsTheFreeAndBothNudgedPhases() {
        Random r = new Random(21);
        EnergyChain chain = TestChains.dense(r, IN, WIDTHS, StateActivation.of("hard-sigmoid", 0),
                FixedPointDynamics.INSTANCE, 1.5);
        INDArray x = TestChains.uniform(r, 0, 1, BATCH, IN);
        INDArray drive = chain.inputDrive(x);
        INDArray[] zero = chain.zeroStates(BATCH, org.nd4j.linalg.api.buffer.DataType.FLOAT);
        NudgingForce force = new SquaredErrorForce(TestChains.oneHot(r, BATCH, WIDTHS[2]), 1.0);
        RelaxationControl free = new RelaxationControl(30, 0);
        RelaxationControl nudged = new RelaxationControl(10, 0);
        CudaRelaxationEngine host = new CudaRelaxationEngine(TestChains.host(), 4);
        Equilibrium[] all = host.relaxIteration(chain, drive, zero, force, 0.3, free, nudged, true);
        RelaxationEngine cpu = FusedDenseRelaxation.INSTANCE;
        Equilibrium f = cpu.relax(chain, drive, zero, null, 0, free);
        assertSame(f, all[0], "free phase of the fused launch");
        assertSame(cpu.relax(chain, drive, f.states(), force, 0.3, nudged), all[1], "+beta phase of the fused launch");
        assertSame(cpu.relax(chain, drive, f.states(), force, -0.3, nudged), all[2], "-beta phase of the fused launch");
    }
}
