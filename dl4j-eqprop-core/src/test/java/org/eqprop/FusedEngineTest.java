package org.eqprop;

import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SoftmaxReadoutForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused CPU kernels against the reference ND4J relaxation, in float32, for every rule, activation and force. */
class FusedEngineTest {

    static EnergyChain chain(int[] widths, int nIn, String activation, Dynamics dynamics, long seed) {
        return TestNets.denseChain(widths, nIn, activation, dynamics, seed);
    }

    static double maxDiff(INDArray[] a, INDArray[] b) {
        double m = 0;
        for (int k = 0; k < a.length; k++) {
            m = Math.max(m, a[k].sub(b[k]).amaxNumber().doubleValue());
        }
        return m;
    }

    @ParameterizedTest
    @CsvSource({"hard-sigmoid,fixed-point,squared", "half-hard-sigmoid,fixed-point,readout",
            "sigmoid,fixed-point,held", "hard-sigmoid,euler,readout", "hard-sigmoid,fixed-point,readout"})
    void fusedEqualsReference(String activation, String rule, String cost) {
        int batch = 37;
        int nIn = 50;
        int[] widths = {40, 30, 10};
        EnergyChain chain = chain(widths, nIn, activation, Dynamics.of(rule, 0.5), 7);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, nIn);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        NudgingForce force;
        switch (cost) {
            case "squared":
                force = new SquaredErrorForce(y, 1.0);
                break;
            case "readout":
                force = new SoftmaxReadoutForce(Nd4j.rand(DataType.FLOAT, 10, 4).subi(0.5),
                        Nd4j.rand(DataType.FLOAT, 1, 4), y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)).dup());
                break;
            default:
                force = new HeldForce(Nd4j.rand(DataType.FLOAT, batch, 10).subi(0.5));
        }
        INDArray drive = chain.inputDrive(x);
        RelaxationControl free = new RelaxationControl(25, 0);
        Equilibrium ref = ReferenceRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(batch, DataType.FLOAT),
                null, 0, free);
        Equilibrium fused = FusedDenseRelaxation.INSTANCE.relax(chain, drive,
                chain.zeroStates(batch, DataType.FLOAT), null, 0, free);
        assertTrue(maxDiff(ref.states(), fused.states()) < 1e-5, "free phase " + maxDiff(ref.states(),
                fused.states()));
        assertTrue(Math.abs(ref.residual() - fused.residual()) < 1e-5);

        RelaxationControl nudged = new RelaxationControl(8, 0);
        for (double beta : new double[]{0.5, -0.5}) {
            Equilibrium r = ReferenceRelaxation.INSTANCE.relax(chain, drive, ref.states(), force, beta, nudged);
            Equilibrium f = FusedDenseRelaxation.INSTANCE.relax(chain, drive, ref.states(), force, beta, nudged);
            double d = maxDiff(r.states(), f.states());
            assertTrue(d < 1e-5, "nudged phase beta=" + beta + ": " + d);
            assertTrue(maxDiff(r.states(), ref.states()) > 1e-3, "the nudge should move the state");
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "5", "64"})
    void toleranceStopsEarlyAndReportsSteps(int batch) {
        EnergyChain chain = chain(new int[]{20, 5}, 10, "hard-sigmoid", Dynamics.of("fixed-point", 0), 3);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 10);
        INDArray drive = chain.inputDrive(x);
        RelaxationControl control = new RelaxationControl(500, 1e-6);
        Equilibrium f = FusedDenseRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(batch, DataType.FLOAT),
                null, 0, control);
        Equilibrium r = ReferenceRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(batch, DataType.FLOAT),
                null, 0, control);
        assertTrue(f.converged() && r.converged());
        assertTrue(f.steps() < 500 && f.steps() > 1, "steps " + f.steps());
        assertTrue(f.residual() <= 1e-6);
        assertTrue(maxDiff(f.states(), r.states()) < 1e-5);
    }

    /**
     * Nudged phases that start from the fused free equilibrium itself (its feature-major slices and input drive,
     * no round trip through host arrays) give the same bits as from its host states, leave the free states as they
     * were, and fall back to the host states for a new input drive or another batch.
     */
    @ParameterizedTest
    @CsvSource({"37,false", "37,true", "5,false", "128,false"})
    void nudgedFromHeldSlicesEqualsFromHostStates(int batch, boolean alternating) {
        EnergyChain chain = chain(new int[]{40, 30, 10}, 50, "hard-sigmoid", Dynamics.of("fixed-point", 0), 11);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 50);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        NudgingForce force = new SquaredErrorForce(y, 1.0);
        INDArray drive = chain.inputDrive(x);
        Equilibrium free = FusedDenseRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(batch, DataType.FLOAT),
                null, 0, new RelaxationControl(20, 0, alternating));
        assertTrue(free.location() != null, "the fused engine keeps its slices");
        assertTrue(free.output().equals(free.states()[2]), "s_N given eagerly equals the states' s_N");
        INDArray[] freeRows = new INDArray[3];
        for (int k = 0; k < 3; k++) {
            freeRows[k] = free.states()[k].dup();
        }
        RelaxationControl nudged = new RelaxationControl(8, 0, alternating);
        for (double beta : new double[]{0.5, -0.5}) {
            Equilibrium held = FusedDenseRelaxation.INSTANCE.relax(chain, drive, free, force, beta, nudged);
            Equilibrium host = FusedDenseRelaxation.INSTANCE.relax(chain, drive, freeRows, force, beta, nudged);
            Equilibrium ref = ReferenceRelaxation.INSTANCE.relax(chain, drive, freeRows, force, beta, nudged);
            assertTrue(maxDiff(held.states(), host.states()) == 0, "held slices vs host states");
            assertTrue(maxDiff(held.states(), ref.states()) < 1e-5, "held slices vs reference");
            // a new input-drive array (here another drive) is copied again, not taken from the slices
            INDArray other = drive.mul(0.5);
            Equilibrium moved = FusedDenseRelaxation.INSTANCE.relax(chain, other, free, force, beta, nudged);
            Equilibrium movedRef = ReferenceRelaxation.INSTANCE.relax(chain, other, freeRows, force, beta, nudged);
            assertTrue(maxDiff(moved.states(), movedRef.states()) < 1e-5, "new drive");
        }
        assertTrue(maxDiff(free.states(), freeRows) == 0, "the free states are not changed");

        // the contrast gradient from the held slices against the host's products on the host states
        Equilibrium plus = FusedDenseRelaxation.INSTANCE.relax(chain, drive, free, force, 0.5, nudged);
        Equilibrium minus = FusedDenseRelaxation.INSTANCE.relax(chain, drive, free, force, -0.5, nudged);
        INDArray[][] fusedViews = new INDArray[3][];
        INDArray[][] hostViews = new INDArray[3][];
        int lower = 50;
        for (int k = 0; k < 3; k++) {
            int w = chain.width(k);
            fusedViews[k] = new INDArray[]{Nd4j.zeros(DataType.FLOAT, lower, w), Nd4j.zeros(DataType.FLOAT, 1, w)};
            hostViews[k] = new INDArray[]{Nd4j.zeros(DataType.FLOAT, lower, w), Nd4j.zeros(DataType.FLOAT, 1, w)};
            lower = w;
        }
        assertTrue(FusedDenseRelaxation.INSTANCE.writeContrastGradient(chain, x, plus, minus, 1.0, fusedViews));
        chain.writeContrastGradient(x, plus.states(), minus.states(), 1.0, hostViews);
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < 2; i++) {
                double d = fusedViews[k][i].sub(hostViews[k][i]).amaxNumber().doubleValue();
                double m = hostViews[k][i].amaxNumber().doubleValue();
                assertTrue(m > 1e-3 && d <= 1e-5 * Math.max(1, m), "gradient " + k + "/" + i + ": " + d + " of " + m);
            }
        }
        // another batch size: the held slices do not fit, the phase starts from the host states of its own batch
        int other = batch == 5 ? 9 : batch - 3;
        INDArray drive2 = chain.inputDrive(Nd4j.rand(DataType.FLOAT, other, 50));
        Equilibrium free2 = ReferenceRelaxation.INSTANCE.relax(chain, drive2, chain.zeroStates(other, DataType.FLOAT),
                null, 0, new RelaxationControl(20, 0, alternating));
        Equilibrium f2 = FusedDenseRelaxation.INSTANCE.relax(chain, drive2, free2, null, 0, nudged);
        Equilibrium r2 = ReferenceRelaxation.INSTANCE.relax(chain, drive2, free2.states(), null, 0, nudged);
        assertTrue(maxDiff(f2.states(), r2.states()) < 1e-5, "another batch");
    }

    /** An input drive that must not be asked for. */
    static java.util.function.Supplier<INDArray> unused() {
        return () -> {
            throw new AssertionError("the fused engine asked for the host's input drive");
        };
    }

    /**
     * The free phase from the input (the drive b_1 + W_1ᵀ X formed per slice, never through ND4J) against the
     * reference engine on the host's drive; the nudged phases from it (relaxSameInput: its slices and their drive)
     * against the reference from its host states; its contrast gradient against the host's products; a start that
     * is not this engine's asks for the host drive and then gives the bits of {@code relax}; the default methods of
     * another engine use the supplied drive.
     */
    @ParameterizedTest
    @CsvSource({"37,false,c", "37,true,c", "5,false,c", "128,false,c", "20,false,c", "37,false,f", "128,true,f"})
    void freePhaseFromTheInputEqualsReference(int batch, boolean alternating, char order) {
        // row-major x: the drive and the W_1 contrast are oneDNN products where oneDNN runs; column-major x: the
        // engine's own drive kernel and BLAS
        EnergyChain chain = chain(new int[]{40, 30, 10}, 70, "hard-sigmoid", Dynamics.of("fixed-point", 0), 13);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 70).dup(order);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        NudgingForce force = new SquaredErrorForce(y, 1.0);
        INDArray drive = chain.inputDrive(x);
        RelaxationControl freeControl = new RelaxationControl(20, 0, alternating);
        Equilibrium free = FusedDenseRelaxation.INSTANCE.relaxFree(chain, x, unused(), freeControl);
        Equilibrium ref = ReferenceRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(batch, DataType.FLOAT),
                null, 0, freeControl);
        assertTrue(free.location() != null, "the fused engine keeps its slices");
        double d = maxDiff(free.states(), ref.states());
        assertTrue(d < 1e-5, "free phase from the input: " + d);
        assertTrue(ref.states()[0].amaxNumber().doubleValue() > 0.1, "the states moved");

        RelaxationControl nudged = new RelaxationControl(8, 0, alternating);
        Equilibrium[] phases = new Equilibrium[2];
        for (int i = 0; i < 2; i++) {
            double beta = i == 0 ? 0.5 : -0.5;
            phases[i] = FusedDenseRelaxation.INSTANCE.relaxSameInput(chain, unused(), free, force, beta, nudged);
            Equilibrium r = ReferenceRelaxation.INSTANCE.relax(chain, drive, free.states(), force, beta, nudged);
            double dn = maxDiff(phases[i].states(), r.states());
            assertTrue(dn < 1e-5, "nudged phase beta=" + beta + ": " + dn);
            assertTrue(maxDiff(r.states(), free.states()) > 1e-3, "the nudge should move the state");
            // from a nudged equilibrium again: the drive travels on with the slices
            Equilibrium again = FusedDenseRelaxation.INSTANCE.relaxSameInput(chain, unused(), phases[i], force,
                    beta, nudged);
            Equilibrium againRef = ReferenceRelaxation.INSTANCE.relax(chain, drive, r.states(), force, beta, nudged);
            assertTrue(maxDiff(again.states(), againRef.states()) < 1e-5, "a phase from a nudged equilibrium");
        }
        INDArray[][] fusedViews = new INDArray[3][];
        INDArray[][] hostViews = new INDArray[3][];
        int lower = 70;
        for (int k = 0; k < 3; k++) {
            int w = chain.width(k);
            fusedViews[k] = new INDArray[]{Nd4j.zeros(DataType.FLOAT, lower, w), Nd4j.zeros(DataType.FLOAT, 1, w)};
            hostViews[k] = new INDArray[]{Nd4j.zeros(DataType.FLOAT, lower, w), Nd4j.zeros(DataType.FLOAT, 1, w)};
            lower = w;
        }
        assertTrue(FusedDenseRelaxation.INSTANCE.writeContrastGradient(chain, x, phases[0], phases[1], 1.0,
                fusedViews));
        chain.writeContrastGradient(x, phases[0].states(), phases[1].states(), 1.0, hostViews);
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < 2; i++) {
                double dg = fusedViews[k][i].sub(hostViews[k][i]).amaxNumber().doubleValue();
                double m = hostViews[k][i].amaxNumber().doubleValue();
                assertTrue(m > 1e-3 && dg <= 1e-5 * Math.max(1, m), "gradient " + k + "/" + i + ": " + dg);
            }
        }

        // a start from another engine: the host drive is asked for, and the phase is that of relax
        int[] asked = {0};
        java.util.function.Supplier<INDArray> counted = () -> {
            asked[0]++;
            return drive;
        };
        Equilibrium fromRef = FusedDenseRelaxation.INSTANCE.relaxSameInput(chain, counted, ref, force, 0.5, nudged);
        Equilibrium viaRelax = FusedDenseRelaxation.INSTANCE.relax(chain, drive, ref.states(), force, 0.5, nudged);
        assertTrue(asked[0] == 1 && maxDiff(fromRef.states(), viaRelax.states()) == 0, "fallback to relax");
        // the reference engine's default methods: the supplied drive, the same bits as relax
        Equilibrium refFree = ReferenceRelaxation.INSTANCE.relaxFree(chain, x, counted, freeControl);
        assertTrue(asked[0] == 2 && maxDiff(refFree.states(), ref.states()) == 0, "default relaxFree");
        Equilibrium refNudged = ReferenceRelaxation.INSTANCE.relaxSameInput(chain, counted, ref, force, 0.5, nudged);
        Equilibrium refDirect = ReferenceRelaxation.INSTANCE.relax(chain, drive, ref.states(), force, 0.5, nudged);
        assertTrue(asked[0] == 3 && maxDiff(refNudged.states(), refDirect.states()) == 0, "default relaxSameInput");
    }

    /**
     * Inside an open ND4J workspace (a caller's, as DL4J's layers have) the engine's temporary arrays live in it and
     * are left to it: the phase and the contrast give the bits they give outside.
     */
    @org.junit.jupiter.api.Test
    void insideAWorkspaceTheSameBits() {
        EnergyChain chain = chain(new int[]{40, 10}, 70, "hard-sigmoid", Dynamics.of("fixed-point", 0), 21);
        INDArray x = Nd4j.rand(DataType.FLOAT, 24, 70);
        RelaxationControl control = new RelaxationControl(12, 0);
        INDArray[] outside = FusedDenseRelaxation.INSTANCE.relaxFree(chain, x, unused(), control).states();
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf =
                org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder().initialSize(1 << 24).build();
        INDArray[] inside;
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
                     Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "FusedEngineTestWs")) {
            INDArray[] states = FusedDenseRelaxation.INSTANCE.relaxFree(chain, x, unused(), control).states();
            inside = new INDArray[states.length];
            for (int k = 0; k < states.length; k++) {
                inside[k] = states[k].detach();
            }
        }
        assertEquals(0.0, maxDiff(outside, inside));
    }

    /**
     * The free phase from the input keeps per-thread working arrays from phase to phase: a phase after phases of
     * other batch sizes and input widths (whose rows leave other values in them) gives the bits of the first.
     */
    @org.junit.jupiter.api.Test
    void freePhasesFromTheInputDoNotDependOnEarlierPhases() {
        EnergyChain chain = chain(new int[]{40, 10}, 70, "hard-sigmoid", Dynamics.of("fixed-point", 0), 17);
        EnergyChain wider = chain(new int[]{30, 10}, 90, "hard-sigmoid", Dynamics.of("fixed-point", 0), 19);
        INDArray x = Nd4j.rand(DataType.FLOAT, 37, 70);
        RelaxationControl control = new RelaxationControl(15, 0);
        INDArray[] first = FusedDenseRelaxation.INSTANCE.relaxFree(chain, x, unused(), control).states();
        for (int batch : new int[]{5, 64, 20}) {
            FusedDenseRelaxation.INSTANCE.relaxFree(wider, Nd4j.rand(DataType.FLOAT, batch, 90).addi(1), unused(),
                    control);
        }
        INDArray[] again = FusedDenseRelaxation.INSTANCE.relaxFree(chain, x, unused(), control).states();
        assertTrue(maxDiff(first, again) == 0, "the same phase after others");
    }
}
